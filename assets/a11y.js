// Accessibility repairs for markup Dash 4's own components render, which Okno cannot set from Python
// (the components take no aria-* or tabIndex props). Each repair is idempotent and re-applied whenever
// React adds or changes nodes. Checked by tests/e2e/test_accessibility.py (axe-core, WCAG 2 A/AA).
(function () {
  "use strict";

  function repair(root) {
    // dcc.Dropdown keeps a hidden "focus target" input in the tab order under aria-hidden: a keyboard user
    // would land on an element screen readers are told does not exist. The dropdown's button stays tabbable.
    root.querySelectorAll(".dash-dropdown-focus-target[aria-hidden=true]:not([tabindex='-1'])")
      .forEach((el) => el.setAttribute("tabindex", "-1"));
    // dcc.DatePickerRange/Single: the wrapper div carries popup attributes without a role, and points
    // aria-labelledby at ids that do not exist; its two inputs carry their own labels.
    root.querySelectorAll(".dash-datepicker-input-wrapper").forEach((el) => {
      if (el.getAttribute("role") !== "group") el.setAttribute("role", "group");
      ["aria-haspopup", "aria-expanded", "aria-labelledby"].forEach((a) => el.hasAttribute(a) && el.removeAttribute(a));
    });
    // The "clear dates" control is an <a> without href: make it a named, focusable button.
    root.querySelectorAll(".dash-datepicker-clear:not([role=button])").forEach((el) => {
      el.setAttribute("role", "button");
      el.setAttribute("tabindex", "0");
    });
    // dcc.Checklist/RadioItems render native checkboxes and radios inside role=option labels of a nameless
    // listbox: the native inputs already say everything, so the list becomes a plain (radio)group.
    // (Only those two: dcc.Dropdown's menu is a real listbox of options.)
    root.querySelectorAll(".dash-checklist[role=listbox], .dash-radioitems[role=listbox]").forEach((el) => {
      el.setAttribute("role", el.classList.contains("dash-radioitems") ? "radiogroup" : "group");
    });
    root.querySelectorAll(".dash-checklist > [role=option], .dash-radioitems > [role=option]").forEach((el) => {
      el.removeAttribute("role");
      el.removeAttribute("aria-selected");
    });
    // dcc.Upload's hidden file input gets the text of its drop zone as its name.
    root.querySelectorAll("input[type=file]:not([aria-label])").forEach((el) => {
      const zone = el.parentElement;
      const text = zone && zone.innerText.trim();
      if (text) el.setAttribute("aria-label", text);
    });
    // A table wider than its frame scrolls inside it: keyboard users must be able to reach and scroll it.
    root.querySelectorAll(".table-responsive:not([tabindex])").forEach((el) => {
      el.setAttribute("tabindex", "0");
    });
  }

  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; repair(document); });
  }
  new MutationObserver(schedule).observe(document.documentElement, {
    childList: true, subtree: true, attributes: true,
    attributeFilter: ["aria-hidden", "aria-expanded", "aria-labelledby", "role", "tabindex"],
  });
  schedule();
})();
