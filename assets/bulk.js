// The ticket list's bulk bar (components/bulk_bar.py) and the tags column's chips.
window.dash_clientside = window.dash_clientside || {};
window.dash_clientside.okno_bulk = {
  _api: function (gridId) {
    return window.dash_ag_grid && window.dash_ag_grid.getApi && window.dash_ag_grid.getApi(gridId);
  },
  // "Select all on this page": every row the grid has loaded (the infinite model has no select-all).
  selectLoaded: function (_n, gridId) {
    const api = window.dash_clientside.okno_bulk._api(gridId);
    if (api) { api.forEachNode(function (node) { if (node.data) { node.setSelected(true); } }); }
    return window.dash_clientside.no_update;
  },
  clearSelection: function (_n, gridId) {
    const api = window.dash_clientside.okno_bulk._api(gridId);
    if (api) { api.deselectAll(); }
    return window.dash_clientside.no_update;
  },
  // After a bulk action the rows changed: clear the selection and load them again.
  refresh: function (_done, gridId) {
    const api = window.dash_clientside.okno_bulk._api(gridId);
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
