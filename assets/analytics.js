/* Analytics clientside callbacks: the filter in the URL, chart click-throughs. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  okno_analytics: {
    // Keep the address bar in step with the filter so a copied link reproduces the view.
    syncUrl: function (query) {
      const qs = new URLSearchParams(query || {}).toString();
      window.history.replaceState(null, "", window.location.pathname + (qs ? "?" + qs : ""));
      return window.dash_clientside.no_update;
    },
    // Each point carries the link to its tickets in customdata (a string, or [link, ...]).
    openPoint: function (clickData) {
      const point = clickData && clickData.points && clickData.points[0];
      let link = point && point.customdata;
      if (Array.isArray(link)) { link = link[0]; }
      if (typeof link === "string" && link.charAt(0) === "/") { window.location.assign(link); }
      return window.dash_clientside.no_update;
    },
  },
});
