// The picker widget (interactions/_picker.html): Enter in its search box does not submit the form,
// and checking a match moves it to the chosen entries (a single choice replaces the one chosen before).
// Delegated listeners, so pickers that htmx swaps in work too; loaded once however many pickers a page has.
(() => {
  if (window.knotenpunktPicker) return;
  window.knotenpunktPicker = true;

  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.matches(".picker input[type=search]")) event.preventDefault();
  });

  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!input.matches("[data-picker-choose]") || !input.checked) return;
    const chosen = input.closest(".picker").querySelector(".picker-selected");
    if (input.type === "radio") chosen.querySelectorAll("li:not(.picker-none)").forEach((li) => li.remove());
    chosen.append(input.closest("li"));
    input.focus();
  });
})();
