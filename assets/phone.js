/* On a phone (components/phone.py): the "Filters" button folds the filters open and shut, and the board's
 * column picker says which single column the board shows. Delegated handlers: Dash renders the page after
 * this file loads, and the board's callbacks re-render cells, never these controls. */
(function () {
  const PHONE = "(max-width: 767.98px)";

  document.addEventListener("click", function (evt) {
    const button = evt.target.closest("[data-okno-fold]");
    if (!button) { return; }
    const box = document.getElementById(button.getAttribute("data-okno-fold"));
    if (!box) { return; }
    const open = !box.classList.contains("okno-open");
    box.classList.toggle("okno-open", open);
    button.setAttribute("aria-expanded", String(open));
  });

  // The shown column is a style rule rather than a class on the column: React re-renders the board's
  // cells and headers, and a rule keyed by the column's id survives that.
  function showColumn(id) {
    let style = document.getElementById("okno-phone-column-style");
    if (!style && !id) { return; }
    if (!style) {
      style = document.createElement("style");
      style.id = "okno-phone-column-style";
      document.head.appendChild(style);
    }
    const safe = String(id).replace(/[^0-9]/g, "");
    const rule = safe ? "@media " + PHONE + " { #board-grid > .okno-column { display: none !important; } " +
      "#board-grid > .okno-column[data-column-id=\"" + safe + "\"] { display: grid !important; } }" : "";
    if (style.textContent !== rule) { style.textContent = rule; }  // unchanged: no mutation, no loop
  }

  function key() {
    const page = document.querySelector("[data-board-id]");
    return "okno-phone-column-" + (page ? page.getAttribute("data-board-id") : "");
  }

  document.addEventListener("change", function (evt) {
    const picker = evt.target.closest("[data-okno-column-picker]");
    if (!picker) { return; }
    showColumn(picker.value);
    try { sessionStorage.setItem(key(), picker.value); } catch (e) { /* private mode: not remembered */ }
  });

  // A board page just rendered: show the column picked before on this board in this tab, else the first.
  new MutationObserver(function () {
    const picker = document.querySelector("[data-okno-column-picker]");
    if (!picker) { showColumn(""); return; }
    if (picker.dataset.oknoReady === key()) { return; }
    picker.dataset.oknoReady = key();
    let saved = null;
    try { saved = sessionStorage.getItem(key()); } catch (e) { saved = null; }
    if (saved && picker.querySelector("option[value=\"" + saved.replace(/[^0-9]/g, "") + "\"]")) {
      picker.value = saved;
    }
    showColumn(picker.value);
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
