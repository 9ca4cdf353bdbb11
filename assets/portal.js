// Requester portal: show-when conditions evaluated in the browser (same rules as data/request_form.py).
window.dash_clientside = window.dash_clientside || {};
window.dash_clientside.okno_portal = {
    showWhen: function (values, valueIds, wrapIds, schema) {
        const byKey = {};
        (valueIds || []).forEach(function (id, i) { byKey[id.key] = values[i]; });
        const fields = {};
        (schema || []).forEach(function (f) { fields[f.key] = f; });
        const shown = {};
        // In schema order, so a field hidden by its condition hides the fields that depend on it.
        (schema || []).forEach(function (f) {
            const cond = f.show_when;
            let ok = true;
            if (cond && cond.field) {
                const actual = shown[cond.field] === false ? null : byKey[cond.field];
                if ("equals" in cond) {
                    if (cond.equals === false) { ok = !actual; }
                    else { ok = actual === cond.equals || (Array.isArray(actual) && actual.indexOf(cond.equals) >= 0); }
                } else if ("not_equals" in cond) { ok = actual !== cond.not_equals; }
                else if ("in" in cond) { ok = (cond.in || []).indexOf(actual) >= 0; }
            }
            shown[f.key] = ok;
        });
        return (wrapIds || []).map(function (id) { return shown[id.key] === false ? {display: "none"} : null; });
    },
    fileNames: function (names) {
        if (!names || !names.length) { return ""; }
        return (Array.isArray(names) ? names : [names]).join(", ");
    },
    // The subject as the requester pauses typing: written into a store `wait` ms after the last key, so the
    // article suggestions (components/kb_suggest.py) ask the server once per pause, not once per key.
    debounced: function (value, wait, storeId) {
        const self = window.dash_clientside.okno_portal;
        clearTimeout(self._timers && self._timers[storeId]);
        self._timers = self._timers || {};
        self._timers[storeId] = setTimeout(function () {
            window.dash_clientside.set_props(storeId, {data: value || ""});
        }, wait);
        return window.dash_clientside.no_update;
    }
};
