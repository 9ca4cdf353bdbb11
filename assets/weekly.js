/* The weekly summary: print button, and charts sized to the A4 page while printing. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  okno_weekly: {
    print: function (n) {
      if (n) { window.print(); }
      return window.dash_clientside.no_update;
    },
  },
});
(function () {
  const PRINT_WIDTH = 680;  // px: an A4 page's printable width with 12 mm margins
  function charts() { return document.querySelectorAll(".okno-weekly .js-plotly-plot"); }
  window.addEventListener("beforeprint", function () {
    if (!window.Plotly) { return; }
    charts().forEach(function (g) { window.Plotly.relayout(g, {width: PRINT_WIDTH}); });
  });
  window.addEventListener("afterprint", function () {
    if (!window.Plotly) { return; }
    charts().forEach(function (g) { window.Plotly.relayout(g, {width: null, autosize: true}); });
  });
})();
