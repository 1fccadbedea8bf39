// Errors that reach the screen. htmx swaps a 422 answer (the form again, with its errors: see the
// htmx-config meta in base.html); after the swap, focus goes to the first field in error, or to the
// form's error summary. A failed request (server error, no network) is said in the live region
// #request-status instead of leaving the page as it was without a word.
(() => {
  const INVALID = '[aria-invalid="true"]';

  // Fields rendered by hand (not through _field.html) get the same marks as Django gives its own.
  const markFields = (root) => {
    root.querySelectorAll(".field.has-error").forEach((field) => {
      const error = field.querySelector(".error[id]");
      field.querySelectorAll("input:not([type=hidden]), select, textarea").forEach((input) => {
        input.setAttribute("aria-invalid", "true");
        if (error && !(input.getAttribute("aria-describedby") || "").split(" ").includes(error.id)) {
          const ids = [input.getAttribute("aria-describedby"), error.id].filter(Boolean);
          input.setAttribute("aria-describedby", ids.join(" "));
        }
      });
    });
  };

  const focusFirstError = (root) => {
    const field = root.querySelector(INVALID);
    if (field) {
      // A field folded away in <details> is opened first, or focus would go nowhere.
      const details = field.closest("details:not([open])");
      if (details) details.open = true;
      field.focus();
      return;
    }
    const summary = root.querySelector(".form-errors, .error[role=alert], [data-form-error]");
    if (summary) {
      if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
  };

  const say = (key) => {
    const region = document.getElementById("request-status");
    if (!region) return;
    region.textContent = region.dataset[key] || region.dataset.server || "";
  };

  const clear = () => {
    const region = document.getElementById("request-status");
    if (region) region.textContent = "";
  };

  document.addEventListener("DOMContentLoaded", () => {
    markFields(document);
    // A full page answered with errors (no htmx): the first field in error gets focus, as after a swap.
    const form = document.querySelector(`main form[method=post] ${INVALID}, main form[method=post] .form-errors`);
    if (form) focusFirstError(form.closest("form"));
  });

  document.addEventListener("htmx:beforeRequest", clear);

  document.addEventListener("htmx:afterSettle", (event) => {
    const target = event.detail.target;
    if (!target || !target.isConnected) return;
    markFields(target);
    const verb = (event.detail.requestConfig && event.detail.requestConfig.verb) || "get";
    if (verb !== "get" && event.detail.xhr && event.detail.xhr.status === 422) focusFirstError(target);
  });

  // Back restores filters and results alike. htmx keeps a copy of the page's HTML for Back, taken
  // when the next filter request is answered: by then the fields already hold the next filters. So
  // the filters of the results shown are written into the HTML whenever results arrive: the values the
  // request sent, not the fields' values at that moment (a person still typing has changed them).
  const keepFilters = (form, sent) => {
    form.querySelectorAll("input, select, textarea").forEach((control) => {
      if (!control.name || control.type === "file" || control.type === "hidden") return;
      const values = sent ? sent.getAll(control.name).map(String) : null;
      if (control.type === "checkbox" || control.type === "radio") {
        control.toggleAttribute("checked", values ? values.includes(control.value) : control.checked);
      } else if (control.tagName === "SELECT") {
        control.querySelectorAll("option").forEach((option) => {
          option.toggleAttribute("selected", values ? values.includes(option.value) : option.selected);
        });
      } else if (control.tagName === "TEXTAREA") {
        control.textContent = values ? values[0] || "" : control.value;
      } else {
        control.setAttribute("value", values ? values[0] || "" : control.value);
      }
    });
  };

  document.addEventListener("htmx:afterSettle", (event) => {
    const config = event.detail.requestConfig;
    const source = config && config.elt;
    const form = source && source.closest && source.closest("form");
    if (!form || !(form.getAttribute("hx-get") || "") || !form.isConnected) return;
    const sent = config.formData instanceof FormData ? config.formData : null;
    keepFilters(form, sent);
  });

  document.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    say(status === 403 ? "forbidden" : status === 404 ? "missing" : status === 409 ? "conflict" : "server");
  });

  document.addEventListener("htmx:sendError", () => say("network"));
  document.addEventListener("htmx:timeout", () => say("network"));
})();
