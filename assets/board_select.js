// The board's select mode (the bulk bar's "Select" button): a click on a card ticks it instead of opening
// it; the ticked cards' ticket ids go to the `bulk-selected` store, which the bulk bar acts on.
// Kept apart from board.js: this listener runs first (capture phase) and only while the mode is on.
(function () {
  const selected = new Set();
  const page = () => document.querySelector(".okno-board-page");
  const publish = () => {
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props("bulk-selected", {data: Array.from(selected)});
    }
  };
  // Cards are redrawn by the board's poll: tick again the ones still selected.
  const paint = () => {
    document.querySelectorAll(".okno-board .okno-card").forEach((card) => {
      const on = selected.has(Number(card.dataset.ticketId));
      card.classList.toggle("okno-card-selected", on);
      card.setAttribute("aria-selected", on ? "true" : "false");
    });
  };
  const on = () => { const p = page(); return !!(p && p.classList.contains("okno-select-mode")); };

  window.oknoBoardSelect = {
    toggle() {
      const p = page();
      if (!p) { return; }
      p.classList.toggle("okno-select-mode");
      if (!on()) { selected.clear(); publish(); }
      paint();
    },
    selectAll() {
      const p = page();
      if (p && !p.classList.contains("okno-select-mode")) { p.classList.add("okno-select-mode"); }
      document.querySelectorAll(".okno-board .okno-card").forEach((c) => selected.add(Number(c.dataset.ticketId)));
      paint();
      publish();
    },
    clear() { selected.clear(); paint(); publish(); },
  };

  const toggleCard = (card) => {
    const id = Number(card.dataset.ticketId);
    if (!id) { return; }
    selected.has(id) ? selected.delete(id) : selected.add(id);
    paint();
    publish();
  };
  document.addEventListener("click", (e) => {
    if (!on()) { return; }
    const card = e.target.closest && e.target.closest(".okno-board .okno-card");
    if (!card) { return; }
    e.preventDefault();
    e.stopPropagation();  // board.js would open the card
    toggleCard(card);
  }, true);
  document.addEventListener("keydown", (e) => {
    if (!on() || (e.key !== " " && e.key !== "Enter")) { return; }
    const card = e.target.closest && e.target.closest(".okno-board .okno-card");
    if (!card || e.target !== card) { return; }
    e.preventDefault();
    e.stopPropagation();
    toggleCard(card);
  }, true);
  new MutationObserver(() => { if (selected.size) { paint(); } })
    .observe(document.body, {childList: true, subtree: true});
})();
