// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // The directory's extra filters and the map's filters are folded away on phones and open on wider screens.
  const wide = window.matchMedia("(min-width: 769px)");
  const sync = () => {
    document.querySelectorAll("details.more-filters, details.filter-disclosure").forEach((details) => {
      if (wide.matches) details.open = true;
    });
  };
  sync();
  wide.addEventListener("change", sync);
});

// "Drucken oder als PDF speichern" buttons (printable pages: access export, Art. 30 record).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// A read-only address to copy (the personal feed's): focusing it selects it. Not an onfocus attribute:
// the Content-Security-Policy allows no inline script.
document.addEventListener("focusin", (event) => {
  if (event.target.matches && event.target.matches("[data-select-on-focus]")) event.target.select();
});

// After a follow-up is ticked off or reopened on the Schreibtisch, the server sends the lists' new counts
// (HX-Trigger "followupCounts"); every element marked data-count="overdue" (…) shows its new number.
document.body.addEventListener("followupCounts", (event) => {
  const format = new Intl.NumberFormat(document.documentElement.lang || "de");
  Object.entries(event.detail || {}).forEach(([key, value]) => {
    if (typeof value !== "number") return;
    document.querySelectorAll(`[data-count="${key}"]`).forEach((element) => {
      element.textContent = format.format(value);
    });
  });
});
