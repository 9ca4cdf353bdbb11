"""How the weekly figures read: values with units, week-over-week arrows, agents' load.

Shared by the page (Dash), the offline HTML file, the PDF, the email and the Telegram message.
"""
from __future__ import annotations

from data.i18n import translate

ARROWS = {"up": "▲", "down": "▼", "flat": "▶"}


def decimal(text: str, locale: str | None) -> str:
    """'2.5' as Russian writes it: '2,5'."""
    return text.replace(".", ",") if locale == "ru" else text


def value(key: str, v, locale: str) -> str:
    if v is None:
        return "—"
    if key == "sla_met":
        return f"{v:.0f}%"
    if key == "cycle_p50":
        return translate("weekly.unit.days", locale, value=decimal(f"{v:.1f}".rstrip("0").rstrip("."), locale))
    if key == "first_response_p50":
        if v < 1:
            return translate("weekly.unit.minutes", locale, value=f"{v * 60:.0f}")
        return translate("weekly.unit.hours", locale, value=decimal(f"{v:.1f}".rstrip("0").rstrip("."), locale))
    return f"{int(v):,}".replace(",", " ")


def arrow(fig: dict) -> tuple[str, str]:
    """(symbol, tone) for a figure: tone is good/bad/neutral so colour follows meaning, not direction."""
    delta = fig.get("delta")
    if not delta:
        return ARROWS["flat"], "neutral"
    tone = "neutral" if fig.get("good") is None else "good" if fig["good"] else "bad"
    return (ARROWS["up"] if delta > 0 else ARROWS["down"]), tone


def change(key: str, fig: dict, locale: str | None = None) -> str:
    """'+12%' for counts and times, '+4' for the backlog, '−3 pp' ('−3 п. п.') for SLA met."""
    delta = fig.get("delta")
    if delta is None:
        return ""
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    if key == "backlog":
        return f"{sign}{abs(delta):.0f}"
    if key == "sla_met":
        return translate("weekly.unit.pp", locale or "en", value=f"{sign}{abs(delta):.0f}")
    if fig.get("change") is None:
        return ""
    return f"{sign}{abs(fig['change']) * 100:.0f}%"


def number(v, locale: str | None = None) -> str:
    """47.0 → '47', 1.5 → '1.5' ('1,5' in Russian)."""
    return "—" if v is None else decimal(f"{v:.1f}".rstrip("0").rstrip("."), locale)


def versus_median(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{'+' if v > 0 else '−' if v < 0 else '±'}{abs(v) * 100:.0f}%"


def overdue_for(hours: float, locale: str) -> str:
    if hours >= 48:
        return translate("weekly.days", locale, n=f"{hours / 24:.0f}")
    return translate("weekly.hours", locale, n=f"{hours:.0f}")


def title(summary: dict, locale: str) -> str:
    return translate("weekly.week_of", locale, week=summary["week"], start=day(summary["start"], locale),
                     end=day(summary["end"], locale))


def day(iso: str, locale: str | None) -> str:
    """'2024-05-13' as people write it: 13.05.2024 in Russian."""
    return f"{iso[8:10]}.{iso[5:7]}.{iso[:4]}" if locale == "ru" and len(iso) >= 10 else iso


def moment(iso: str, locale: str | None) -> str:
    """'2024-05-15T09:00…' as '15.05.2024 09:00' in Russian, '2024-05-15 09:00' otherwise."""
    return f"{day(iso[:10], locale)} {iso[11:16]}".strip()
