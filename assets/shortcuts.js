/* Keyboard shortcuts that are not the board's own (those are in assets/board.js, "/" in assets/search.js):
 * "?" opens the help overlay (components/shortcuts.py) and Esc closes it, J/K move through the ticket list's
 * rows and Enter opens one, R on an open card focuses the reply box.
 * Keys are matched by event.code (the physical key), never by event.key: on the Russian layout "R" types "к".
 * Nothing fires while the user types in an input, a textarea, a select or an editable element.
 */
(function () {
  "use strict";

  function typing(e) {
    const t = e.target;
    if (!t || !t.tagName) { return false; }
    return t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) ||
      !!(t.closest && t.closest("[contenteditable]:not([contenteditable=false])"));
  }
  window.oknoKeys = {typing: typing};

  let returnTo = null;
  function dialog() { return document.getElementById("okno-shortcuts"); }
  function isOpen() { const d = dialog(); return !!d && !d.hidden; }

  function open() {
    const d = dialog();
    if (!d) { return; }
    returnTo = document.activeElement;
    d.hidden = false;
    const box = d.querySelector("[role=dialog]");
    (d.querySelector("[data-shortcuts-close]") || box).focus();
  }

  function close() {
    const d = dialog();
    if (!d || d.hidden) { return; }
    d.hidden = true;
    // Focus goes back where it was (a card, a row), so the keyboard user keeps their place.
    if (returnTo && document.contains(returnTo) && returnTo.focus) { returnTo.focus(); }
    returnTo = null;
  }

  function visible(el) {
    return !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  }

  // The ticket list (AG Grid, pages/tickets.py): J/K focus the next/previous row, Enter opens it.
  function grid() {
    const g = window.dash_ag_grid;
    return g && g.getApi && document.getElementById("tickets-grid") ? g.getApi("tickets-grid") : null;
  }

  function gridStep(api, by) {
    const count = api.getDisplayedRowCount();
    if (!count) { return; }
    const cell = api.getFocusedCell();
    const at = cell ? Math.max(0, Math.min(count - 1, cell.rowIndex + by)) : 0;
    const column = cell ? cell.column : api.getAllDisplayedColumns()[0];
    api.ensureIndexVisible(at);
    api.setFocusedCell(at, column);
  }

  function gridOpen(api) {
    const cell = api.getFocusedCell();
    const row = cell && api.getDisplayedRowAtIndex(cell.rowIndex);
    const link = row && row.data && /\/ticket\/(\d+)/.exec(row.data.number_link || "");
    if (link) { window.location.assign("/ticket/" + link[1]); }
    return !!link;
  }

  // Capture phase: while the overlay is open no other shortcut sees the key.
  document.addEventListener("keydown", (e) => {
    if (!isOpen()) { return; }
    if (e.code === "Escape") {
      close();
      e.preventDefault();
    } else if (e.code === "Tab") {
      // Focus stays inside the dialog: its one control is the close button.
      const button = dialog().querySelector("[data-shortcuts-close]");
      if (button) { button.focus(); }
      e.preventDefault();
    }
    e.stopPropagation();
  }, true);

  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e)) { return; }
    if (e.code === "Slash" && e.shiftKey) { open(); e.preventDefault(); return; }
    if (e.shiftKey) { return; }
    if (e.code === "KeyR") {
      const reply = document.getElementById("tk-reply");  // the card's reply box (components/ticket_detail.py)
      if (visible(reply)) { reply.focus(); e.preventDefault(); }
      return;
    }
    const api = grid();
    if (!api) { return; }
    if (e.code === "KeyJ" || e.code === "KeyK") {
      gridStep(api, e.code === "KeyJ" ? 1 : -1);
      e.preventDefault();
    } else if ((e.code === "Enter" || e.code === "NumpadEnter") && e.target.closest && e.target.closest(".ag-cell")) {
      if (gridOpen(api)) { e.preventDefault(); }
    }
  });

  document.addEventListener("click", (e) => {
    if (!isOpen()) {
      if (e.target.closest && e.target.closest("[data-shortcuts-open]")) { open(); }
      return;
    }
    // The close button, or a click on the backdrop outside the dialog.
    if (e.target.closest("[data-shortcuts-close]") || !e.target.closest("[role=dialog]")) { close(); }
  });
})();
