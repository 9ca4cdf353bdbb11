/* Okno's clientside callbacks, namespaced under window.dash_clientside.okno. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  okno: Object.assign({}, (window.dash_clientside || {}).okno, {
    ticketsFilterChanged: function (query, gridId) {
      const qs = new URLSearchParams(query || {}).toString();
      window.history.replaceState(null, "", window.location.pathname + (qs ? "?" + qs : ""));
      const grid = window.dash_ag_grid && window.dash_ag_grid.getApi && window.dash_ag_grid.getApi(gridId);
      if (grid) { grid.purgeInfiniteCache(); }
      return window.dash_clientside.no_update;
    },
  }),
});
