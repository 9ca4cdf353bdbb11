// The bulk bar (components/bulk_bar.py) on the ticket list and the board, and the list's tags column.
// The selection's source is the list's grid (`tickets-grid`) or, on a board, its cards (board_select.js).
window.dash_clientside = window.dash_clientside || {};
window.dash_clientside.okno_bulk = {
  _api: function (gridId) {
    return window.dash_ag_grid && window.dash_ag_grid.getApi && window.dash_ag_grid.getApi(gridId);
  },
  _board: function () { return window.oknoBoardSelect; },
  // The grid's selected rows as the ticket ids the bar acts on.
  fromGrid: function (rows) {
    return (rows || []).map(function (r) { return r && r.id; }).filter(function (id) { return id; });
  },
  toggleSelectMode: function () {
    const board = window.dash_clientside.okno_bulk._board();
    if (board) { board.toggle(); }
    return window.dash_clientside.no_update;
  },
  // "Select all on this page": every row the grid has loaded (the infinite model has no select-all),
  // or every card the board shows.
  selectLoaded: function (_n, source) {
    const board = window.dash_clientside.okno_bulk._board();
    if (source === "board") { if (board) { board.selectAll(); } return window.dash_clientside.no_update; }
    const api = window.dash_clientside.okno_bulk._api(source);
    if (api) { api.forEachNode(function (node) { if (node.data) { node.setSelected(true); } }); }
    return window.dash_clientside.no_update;
  },
  clearSelection: function (_n, source) {
    const board = window.dash_clientside.okno_bulk._board();
    if (source === "board") { if (board) { board.clear(); } return window.dash_clientside.no_update; }
    const api = window.dash_clientside.okno_bulk._api(source);
    if (api) { api.deselectAll(); }
    return window.dash_clientside.no_update;
  },
  // After a bulk action the tickets changed: clear the selection and load the rows again (a board
  // redraws itself on its next poll).
  refresh: function (_done, source) {
    const board = window.dash_clientside.okno_bulk._board();
    if (source === "board") { if (board) { board.clear(); } return window.dash_clientside.no_update; }
    const api = window.dash_clientside.okno_bulk._api(source);
    if (api) { api.deselectAll(); api.purgeInfiniteCache(); }
    return window.dash_clientside.no_update;
  },
};

// The list's "tags" cells: one chip per tag.
window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {};
window.dashAgGridComponentFunctions.OknoTags = function (props) {
  const tags = Array.isArray(props.value) ? props.value : [];
  return React.createElement("span", {className: "okno-tags"}, tags.map(function (t) {
    return React.createElement("span", {key: t, className: "badge rounded-pill okno-tag me-1", "data-tag": t}, t);
  }));
};
