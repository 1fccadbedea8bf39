// The header's "Menü" button on narrow screens (templates/base.html, .site-header in knotenpunkt.css).
// Loaded without defer in <head>: it marks the page as scripted before the header is drawn, so a phone
// never sees the long link list flash open and then fold. Without JavaScript the links stay visible.
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector(".menu-toggle");
  const menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) return;
  const header = button.closest(".site-header");
  const setOpen = (open) => {
    button.setAttribute("aria-expanded", String(open));
    header.classList.toggle("menu-open", open);
  };
  button.addEventListener("click", () => setOpen(button.getAttribute("aria-expanded") !== "true"));
  // Escape closes the menu and hands focus back to its button, wherever focus was inside the menu.
  header.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") return;
    setOpen(false);
    button.focus();
  });
  // A click outside the open menu closes it, as a tap outside would on a phone.
  document.addEventListener("click", (event) => {
    if (button.getAttribute("aria-expanded") === "true" && !header.contains(event.target)) setOpen(false);
  });
});
