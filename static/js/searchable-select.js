/* Searchable selects for long lists (countries): Tom Select on every <select data-searchable>.
   Progressive enhancement: without JavaScript the plain <select> works. Typing filters the list, arrow
   keys and Enter choose, Backspace removes the last chosen entry; the original <select> keeps the value
   and gets its "change" event (htmx filters react to it). Texts come from data attributes. */
(function () {
  "use strict";

  function enhance(root) {
    if (typeof TomSelect === "undefined" || !root.querySelectorAll) return;
    root.querySelectorAll("select[data-searchable]:not(.tomselected)").forEach(function (select) {
      var noResults = select.getAttribute("data-no-results") || "";
      var plugins = {};
      if (select.multiple) {
        plugins.remove_button = { title: select.getAttribute("data-remove") || "", label: "×" };
      }
      var control = new TomSelect(select, {
        plugins: plugins,
        maxOptions: null,
        allowEmptyOption: !select.multiple,
        closeAfterSelect: !select.multiple,
        render: {
          no_results: function (data, escape) {
            return '<div class="no-results">' + escape(noResults) + "</div>";
          },
        },
      });
      if (select.multiple) {
        // After a country is chosen the search starts afresh for the next one.
        control.on("item_add", function () {
          control.setTextboxValue("");
          control.refreshOptions(false);
        });
      }
      // The label now names Tom Select's combobox; the original <select> only carries the value.
      select.setAttribute("aria-hidden", "true");
      select.setAttribute("tabindex", "-1");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    enhance(event.target);
  });
})();
