/* The Django admin's widgets made readable for assistive technology (WCAG 2.1 AA, checked by axe-core
   in tests/browser/test_accessibility.py):
   - a field in a tabular inline has no <label>: it is named by its column header;
   - the autocomplete (select2) names its combobox by the chosen value only: the field's label is added;
   - the filter widget's search icon carries aria-label without a role: it becomes an image. */
(function () {
  "use strict";

  function nameInlineFields(root) {
    root.querySelectorAll(".tabular table").forEach(function (table) {
      var headers = table.querySelectorAll("thead th");
      table.querySelectorAll("tbody tr.form-row").forEach(function (row, index) {
        Array.prototype.forEach.call(row.children, function (cell, column) {
          var header = headers[column];
          var text = header ? header.textContent.trim() : "";
          if (!text) return;
          cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (field) {
            if ((field.labels && field.labels.length) || field.hasAttribute("aria-label")) return;
            field.setAttribute("aria-label", text + " " + (index + 1));
          });
        });
      });
    });
  }

  function fixWidget(node) {
    if (!(node instanceof Element)) return;
    node.querySelectorAll(".help-tooltip.search-label-icon[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
    if (node.matches(".help-tooltip.search-label-icon[aria-label]:not([role])")) node.setAttribute("role", "img");
    node.querySelectorAll(".select2-selection[role=combobox]").forEach(function (combobox) {
      var container = combobox.closest(".select2-container");
      var select = container && container.previousElementSibling;
      var label = select && select.id && document.querySelector("label[for='" + select.id + "']");
      var labelledby = combobox.getAttribute("aria-labelledby") || "";
      if (!label || labelledby.indexOf(select.id + "-label") !== -1) return;
      label.id = label.id || select.id + "-label";
      combobox.setAttribute("aria-labelledby", (label.id + " " + labelledby).trim());
      var rendered = combobox.querySelector(".select2-selection__rendered[role=textbox]");
      if (rendered) rendered.setAttribute("aria-labelledby", label.id);
    });
  }

  new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) {
      mutation.addedNodes.forEach(fixWidget);
    });
  }).observe(document.documentElement, { childList: true, subtree: true });

  document.addEventListener("DOMContentLoaded", function () {
    nameInlineFields(document);
    fixWidget(document.body);
  });
  document.addEventListener("formset:added", function () {
    nameInlineFields(document);
  });
})();
