/* Admin forms: the "unsaved changes" mark (components/sla_admin.py registers the callback) and the
   browser's own question when a page with unsaved changes is closed or reloaded. */
(function () {
  function normal(value) {
    if (value === null || value === undefined) { return ""; }
    if (Array.isArray(value)) { return value.map(String).sort().join(","); }
    return String(value);
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    okno_forms: {
      /* Arguments: reset (set when the server filled or saved the form), then the form's value lists
         (inputs, and multi-choice dropdowns where the form has them), then the baseline kept here.
         Returns [baseline, dirty, className of the mark]. */
      dirty: function () {
        const args = Array.prototype.slice.call(arguments);
        const baseline = args.pop();
        args.shift();
        const now = [].concat.apply([], args.map(function (list) { return list || []; })).map(normal);
        const triggered = (window.dash_clientside.callback_context.triggered || []).map(function (t) { return t.prop_id; });
        const resetNow = triggered.some(function (p) { return p.indexOf("-reset.") !== -1; });
        if (resetNow || !baseline || baseline.length !== now.length) {
          return [now, false, "okno-unsaved text-warning small ms-3 d-none"];
        }
        const dirty = now.some(function (v, i) { return v !== baseline[i]; });
        return [baseline, dirty, "okno-unsaved text-warning small ms-3" + (dirty ? "" : " d-none")];
      },
    },
  });

  window.addEventListener("beforeunload", function (event) {
    const mark = document.querySelector(".okno-unsaved:not(.d-none)");
    if (mark) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
