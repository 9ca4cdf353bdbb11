"""Small helpers for admin forms: a labelled control, option lists, the save result message."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html
from flask_login import current_user

from data.errors import OknoError
from data.i18n import N_

from components.i18n import _, error_message


def row(label_key: str, control, help_text: str | None = None, md: int = 12):
    return dbc.Col([dbc.Label(_(label_key), className="mb-1 small fw-semibold"), control,
                    dbc.FormText(help_text) if help_text else None], md=md, className="mb-2")


NONE = "0"  # the "nothing chosen" option (dbc.Select keeps "" for its own hidden placeholder)


def select_options(items: list[dict], empty: str = "—") -> list[dict]:
    """dbc.Select options with a "nothing" first choice (values as strings, as the browser sends them)."""
    return [{"label": empty, "value": NONE}] + [{"label": i["label"], "value": str(i["value"])} for i in items]


def choice(value) -> str:
    """A dbc.Select value for an id that may be missing."""
    return str(value) if value else NONE


def user():
    return current_user._get_current_object()


def result(err: Exception | None, ok_key: str = N_("admin.saved"), alert_id: str = "admin-result"):
    """A success note, or the service function's message (it names the field and what is wrong)."""
    if err is None:
        return dbc.Alert(_(ok_key), color="success", duration=4000, id=alert_id)
    return dbc.Alert(error_message(err) if isinstance(err, OknoError) else _("errors.unexpected"), color="danger",
                     id=alert_id)


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def as_int(value) -> int | None:
    """An id from a select or the URL; "nothing chosen" and junk are None."""
    return int(value) if str(value or "").isdigit() and int(value) else None


def heading(*children):
    return html.Div(list(children), className="d-flex align-items-center mb-3")


# --- values typed the way people think of them, stored the way the services want them ---------------------

class FormValueError(ValueError):
    """A typed value the form cannot convert; `key` is the message id shown next to the field."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


MINUTES_PER = {"d": 24 * 60, "h": 60, "m": 1}  # a day is 24 hours of the target's clock (calendar or 24/7)


def _whole(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FormValueError(N_("errors.form.duration")) from None
    if number < 0 or number != int(number):
        raise FormValueError(N_("errors.form.duration"))
    return int(number)


def minutes_of(days=None, hours=None, minutes=None) -> int | None:
    """Days, hours and minutes as typed into duration_input → minutes; None when all three are empty."""
    parts = [_whole(v) for v in (days, hours, minutes)]
    if all(p is None for p in parts):
        return None
    total = sum((p or 0) * MINUTES_PER[unit] for p, unit in zip(parts, "dhm"))
    if total <= 0:
        raise FormValueError(N_("errors.form.duration_zero"))
    return total


def duration_parts(minutes: int | None) -> dict:
    """Minutes → {"d", "h", "m"} for the three inputs (empty for no value): 1680 → 1 d 4 h 0 min."""
    if not minutes:
        return {"d": None, "h": None, "m": None}
    return {"d": minutes // MINUTES_PER["d"], "h": minutes % MINUTES_PER["d"] // 60, "m": minutes % 60}


def duration_keys(key: str) -> dict:
    """The form keys of a duration's three inputs ("first_response__d", …): errors on `key` mark all three."""
    return {unit: f"{key}__{unit}" for unit in "dhm"}


def duration_input(make_id, key: str, units=(N_("form.unit.days"), N_("form.unit.hours"), N_("form.unit.minutes"))):
    """Three small number inputs with unit labels; `make_id(form key)` gives each input's id."""
    keys = duration_keys(key)
    group = []
    for unit, label in zip("dhm", units):
        group += [dbc.Input(id=make_id(keys[unit]), type="number", step=1, className="okno-duration",
                            placeholder="0"),
                  dbc.InputGroupText(_(label))]
    return dbc.InputGroup(group, size="sm")


def fraction_of(percent) -> float | None:
    """A percentage as typed (20) → the stored share (0.2); None when empty; 0 < percent < 100."""
    if percent in (None, ""):
        return None
    try:
        number = float(str(percent).replace(",", "."))
    except (TypeError, ValueError):
        raise FormValueError(N_("errors.form.percent")) from None
    if not 0 < number < 100:
        raise FormValueError(N_("errors.form.percent"))
    return round(number / 100, 6)


def percent_of(fraction: float | None):
    """The stored share (0.2) → the percentage shown (20; 12.5 stays 12.5)."""
    if fraction is None:
        return None
    value = round(fraction * 100, 4)
    return int(value) if value == int(value) else value


# --- a question before an action that loses or widens something ------------------------------------------

def confirm_dialog(modal_id: str, body, confirm_key: str, cancel_key: str = N_("form.cancel")):
    """A modal with the question `body` (its text can be replaced through `<modal_id>-body`), a confirm button
    `<modal_id>-yes` and a cancel button `<modal_id>-no`; register_confirm_close closes it on either."""
    return dbc.Modal([dbc.ModalHeader(dbc.ModalTitle(_("form.confirm_title")), close_button=True),
                      dbc.ModalBody(body, id=f"{modal_id}-body"),
                      dbc.ModalFooter([dbc.Button(_(cancel_key), id=f"{modal_id}-no", color="secondary", outline=True),
                                       dbc.Button(_(confirm_key), id=f"{modal_id}-yes", color="danger")])],
                     id=modal_id, is_open=False, centered=True)


def register_confirm_close(modal_id: str) -> None:
    """Either button closes the dialog in the browser; the page's own callback listens to `-yes` to act."""
    from dash import Input, Output, clientside_callback
    clientside_callback("function (yes, no) { return false; }", Output(modal_id, "is_open", allow_duplicate=True),
                        Input(f"{modal_id}-yes", "n_clicks"), Input(f"{modal_id}-no", "n_clicks"),
                        prevent_initial_call=True)


def unsaved_mark(mark_id: str):
    """The "unsaved changes" note next to a form's buttons; the beforeunload warning (assets/okno.js) looks
    for a visible one, so a page with nothing typed leaves without a question."""
    return html.Span([html.I(className="bi bi-pencil-fill me-1"), _("form.unsaved")], id=mark_id,
                     className="okno-unsaved text-warning small ms-3 d-none")
