/* The kanban board: SortableJS on every cell, one delegated click handler, the move menu.
 *
 * React owns the DOM: on drop we put the dragged card back where React rendered it and send the
 * move to the server with dash_clientside.set_props; the server re-renders the affected columns.
 * A refused move therefore "snaps back" by itself.
 */
(function () {
  let lastDrop = 0;

  function setProps(id, data) {
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props(id, {data: Object.assign({ts: Date.now()}, data)});
    }
  }

  function cardsIn(cell, except) {
    return Array.from(cell.querySelectorAll(":scope > .okno-card")).filter((c) => c !== except);
  }

  // No live re-render while a card is in the air: React would replace nodes SortableJS is holding.
  function pausePolling(paused) {
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props("board-poll", {disabled: paused});
    }
  }

  function onEnd(evt) {
    const card = evt.item, from = evt.from, to = evt.to;
    lastDrop = Date.now();
    pausePolling(false);
    if (from === to && evt.oldIndex === evt.newIndex) { return; }
    // Put the node back exactly where React rendered it.
    card.parentNode.removeChild(card);
    const stay = cardsIn(from);
    from.insertBefore(card, stay[evt.oldIndex] || from.querySelector(":scope > .okno-more"));
    const others = cardsIn(to, card);
    const above = others[evt.newIndex - 1], below = others[evt.newIndex];
    setProps("board-move", {
      ticket: card.dataset.ticketId, version: card.dataset.version,
      column: to.dataset.columnId, lane: to.dataset.laneId || null,
      from_column: from.dataset.columnId, from_lane: from.dataset.laneId || null,
      after: above ? above.dataset.ticketId : null, before: below ? below.dataset.ticketId : null,
      // Where the card was and where it lands among the cells' cards: the server patches just these two
      // places instead of re-sending both cells (pages/board.py _patch_move).
      from_index: evt.oldDraggableIndex, to_index: evt.newDraggableIndex,
    });
  }

  function bind(root) {
    if (!window.Sortable) { return; }
    root.querySelectorAll(".okno-cell:not([data-sortable])").forEach((cell) => {
      cell.setAttribute("data-sortable", "1");
      window.Sortable.create(cell, {
        group: "okno-board", draggable: ".okno-card", filter: ".okno-move-btn, a, .okno-more",
        preventOnFilter: false, forceFallback: true, fallbackOnBody: true, animation: 120,
        delay: 150, delayOnTouchOnly: true,  // on touch screens a short press starts a drag, a swipe scrolls
        ghostClass: "okno-ghost", onStart: () => pausePolling(true), onEnd: onEnd,
      });
    });
  }

  // Toggle (not just add): React reuses card nodes for other cards and keeps classes it didn't set.
  function markOverdue() {
    const now = Date.now() / 1000;
    document.querySelectorAll(".okno-board .okno-card").forEach((c) => {
      c.classList.toggle("okno-overdue", !!c.dataset.overdueAt && now >= Number(c.dataset.overdueAt));
    });
  }

  function place(card) {
    const cell = card.closest(".okno-cell");
    return {ticket: card.dataset.ticketId, version: card.dataset.version, number: card.dataset.number,
            column: cell.dataset.columnId, lane: cell.dataset.laneId || ""};
  }

  document.addEventListener("click", (e) => {
    const board = e.target.closest(".okno-board");
    if (!board) { return; }
    const more = e.target.closest(".okno-more");
    if (more) { setProps("board-more", {column: more.dataset.columnId}); return; }
    const card = e.target.closest(".okno-card");
    if (!card) { return; }
    if (e.target.closest(".okno-move-btn")) {
      e.stopPropagation();
      setProps("board-move-menu", place(card));
      return;
    }
    if (e.target.closest("a") || Date.now() - lastDrop < 400) { return; }
    openCard(card);
  });

  // Keyboard shortcuts by key code, not by the typed letter: on the Russian layout M types "ь" and J "о",
  // and the shortcut must work whatever layout is on (the help overlay, assets/shortcuts.js, lists them).
  let current = null;  // the ticket id of the card J/K last reached (React may replace the node itself)
  let opened = null;  // the card whose drawer is open, for M in the drawer

  function cards() { return Array.from(document.querySelectorAll(".okno-board .okno-card")); }

  function overlayOpen() { return !!document.querySelector(".offcanvas.show, .modal.show"); }

  function typing(e) {
    const keys = window.oknoKeys;
    return keys ? keys.typing(e) : /^(INPUT|TEXTAREA|SELECT)$/.test((e.target || {}).tagName || "");
  }

  function step(by) {
    const all = cards();
    if (!all.length) { return; }
    const focused = document.activeElement && document.activeElement.closest &&
      document.activeElement.closest(".okno-board .okno-card");
    let at = focused ? all.indexOf(focused) : all.findIndex((c) => c.dataset.ticketId === current);
    at = at < 0 ? (by > 0 ? 0 : all.length - 1) : Math.max(0, Math.min(all.length - 1, at + by));
    const next = all[at];
    current = next.dataset.ticketId;
    next.focus({preventScroll: true});
    next.scrollIntoView({block: "nearest", inline: "nearest"});
  }

  function openCard(card) {
    opened = card.dataset.ticketId;
    setProps("board-open", {number: card.dataset.number});
  }

  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || !document.querySelector(".okno-board")) { return; }
    const card = e.target.closest && e.target.closest(".okno-board .okno-card");
    const onCard = card && e.target === card;
    if ((e.code === "Enter" || e.code === "NumpadEnter") && onCard) { openCard(card); e.preventDefault(); return; }
    if (typing(e)) { return; }
    if ((e.code === "KeyJ" || e.code === "KeyK") && !e.shiftKey && !overlayOpen()) {
      step(e.code === "KeyJ" ? 1 : -1);
      e.preventDefault();
    } else if (e.code === "KeyM" && !e.shiftKey) {
      // The focused card, or the card open in the drawer.
      const target = onCard ? card : (document.querySelector(".offcanvas.show") &&
        cards().find((c) => c.dataset.ticketId === opened));
      if (target) { setProps("board-move-menu", place(target)); e.preventDefault(); }
    }
  });

  let scheduled = false;
  const observer = new MutationObserver(() => {
    if (scheduled) { return; }
    scheduled = true;
    window.requestAnimationFrame(() => { scheduled = false; bind(document); markOverdue(); });
  });
  document.addEventListener("DOMContentLoaded", () => {
    observer.observe(document.body, {childList: true, subtree: true});
    bind(document);
  });
  setInterval(markOverdue, 15000);

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    okno_board: {
      openMoveMenu: function (data) {
        const nu = window.dash_clientside.no_update;
        if (!data) { return [false, nu, nu, nu]; }
        return [true, String(data.column), String(data.lane || ""), "#" + data.number];
      },
      sendMenuMove: function (n, data, column, lane) {
        if (!n || !data) { return window.dash_clientside.no_update; }
        setProps("board-move", {ticket: data.ticket, version: data.version, column: column, lane: lane || null,
                                from_column: data.column, from_lane: data.lane || null});
        window.dash_clientside.set_props("board-mm", {is_open: false});
        return n;
      },
    },
  });
})();
