"""Plain-language sentences from the weekly numbers, in Russian or English.

"IT L1 resolved 12% more than last week; SLA met fell to 91% because of 3 breaches on Thursday."
Only what the numbers say: no sentence is made when a figure is missing.
"""
from __future__ import annotations

from data.weekly import format as fmt
from data.i18n import N_, translate, word_form

NOTABLE = 0.05  # a change under 5% reads as "about the same"
MAX_TEAM_SENTENCES = 4
# Built at run time (f"weekly.say.{figure}_{direction}", f"weekly.on_day.{isoweekday}", f"weekly.fig.{figure}"):
# the message ids, for extraction.
CLAUSE_LABELS = (N_("weekly.say.created_same"), N_("weekly.say.created_more"), N_("weekly.say.created_fewer"),
                 N_("weekly.say.resolved_plain"), N_("weekly.say.resolved_same"), N_("weekly.say.resolved_more"),
                 N_("weekly.say.resolved_fewer"))
DAY_LABELS = (N_("weekly.on_day.1"), N_("weekly.on_day.2"), N_("weekly.on_day.3"), N_("weekly.on_day.4"),
              N_("weekly.on_day.5"), N_("weekly.on_day.6"), N_("weekly.on_day.7"))
FIGURE_LABELS = (N_("weekly.fig.created"), N_("weekly.fig.resolved"), N_("weekly.fig.backlog"),
                 N_("weekly.fig.sla_met"), N_("weekly.fig.cycle_p50"), N_("weekly.fig.first_response_p50"))


def plural(n: int | float, key: str, locale: str) -> str:
    """`n` with the right word form: English one|many, Russian one|few|many."""
    form = word_form(n, key, locale)
    return f"{n:g} {form}" if isinstance(n, float) else f"{n} {form}"


def pct(change: float | None) -> str:
    return "" if change is None else f"{abs(change) * 100:.0f}%"


def _count_clause(fig: dict, key: str, locale: str) -> str:
    """'resolved 12% more than last week' / 'resolved about as many as last week' / 'resolved 40'."""
    f = fig[key]
    change = f["change"]
    if change is None:  # nothing to compare with: the count alone, which "received N requests" already says
        return "" if key == "created" else translate(f"weekly.say.{key}_plain", locale, n=f["value"] or 0)
    if abs(change) < NOTABLE:
        return translate(f"weekly.say.{key}_same", locale, n=f["value"] or 0)
    direction = "more" if change > 0 else "fewer"
    return translate(f"weekly.say.{key}_{direction}", locale, n=f["value"] or 0, pct=pct(change))


def _sla_clause(block: dict, locale: str) -> str | None:
    f = block["figures"]["sla_met"]
    if f["value"] is None:
        return None
    value = f"{f['value']:.0f}%"
    if f["previous"] is None or abs(f["value"] - f["previous"]) < 0.5:
        return translate("weekly.say.sla_held", locale, value=value)
    fell = f["value"] < f["previous"]
    key = N_("weekly.say.sla_fell") if fell else N_("weekly.say.sla_rose")
    text = translate(key, locale, value=value, previous=f"{f['previous']:.0f}%")
    by_day = block.get("breaches_by_weekday") or {}
    total = sum(by_day.values())
    if fell and total:
        day, n = max(by_day.items(), key=lambda kv: (kv[1], -int(kv[0])))
        if n >= 2 and n * 2 >= total:  # most breaches on one day: say which
            breaches = plural(n, N_("weekly.word.breach"), locale)
            text += translate("weekly.say.because", locale, breaches=breaches,
                              day=translate(f"weekly.on_day.{int(day)}", locale))
    return text


def block_sentence(block: dict, name: str, locale: str) -> str:
    parts = [translate("weekly.say.block", locale, name=name, clause=_count_clause(block["figures"], "resolved", locale))]
    sla = _sla_clause(block, locale)
    if sla:
        parts.append(sla)
    return "; ".join(parts) + "."


def sentences(summary: dict, locale: str) -> list[str]:
    """A few sentences: the company (or chosen teams), the teams that changed most, the busiest agent."""
    company = summary["company"]
    fig = company["figures"]
    name = translate("weekly.chosen_teams", locale) if summary.get("team_ids") else translate("weekly.company", locale)
    n = fig["created"]["value"] or 0
    requests = plural(n, N_("weekly.word.request"), locale)
    out = [translate("weekly.say.received", locale, name=name, n=n, requests=requests)
           + _count_clause(fig, "created", locale) + "."]
    out.append(block_sentence(company, name, locale))
    backlog = fig["backlog"]
    if backlog["delta"]:
        key = N_("weekly.say.backlog_grew") if backlog["delta"] > 0 else N_("weekly.say.backlog_shrank")
        out.append(translate(key, locale, n=abs(backlog["delta"]), value=backlog["value"]))
    teams = sorted(summary["teams"], key=lambda t: -abs(t["figures"]["resolved"]["change"] or 0))
    for team in teams[:MAX_TEAM_SENTENCES]:
        out.append(block_sentence(team, team["name"], locale))
    busiest = [(a, t) for t in summary["teams"] for a in t.get("agents", [])
               if a.get("vs_median") is not None and a["vs_median"] >= 0.5 and a["resolved"] >= 3]
    if busiest:
        agent, team = max(busiest, key=lambda at: at[0]["vs_median"])
        out.append(translate("weekly.say.busiest", locale, agent=agent["name"], team=team["name"],
                             resolved=agent["resolved"], pct=pct(agent["vs_median"])))
    rated = (summary.get("csat") or {}).get("rated") or 0
    if rated:  # satisfaction: only when someone rated (a summary stored before ratings has no "csat")
        c = summary["csat"]
        ratings = plural(rated, N_("weekly.word.rating"), locale)
        out.append(translate("weekly.say.csat", locale, ratings=ratings,
                             avg=f"{c['avg_score']:.1f}".replace(".", "," if locale == "ru" else "."), pct=f"{c['response_rate']:.0f}%"))
    return out


def digest(summary: dict, locale: str, url: str) -> str:
    """The message text for email and Telegram: the key numbers with arrows, the sentences, the link."""
    scope = ", ".join(summary.get("scope") or []) or translate("weekly.company", locale)
    lines = [f"{translate('weekly.title', locale)} · {scope}", fmt.title(summary, locale), ""]
    for key, fig in summary["company"]["figures"].items():
        symbol, _tone = fmt.arrow(fig)
        lines.append(f"{translate(f'weekly.fig.{key}', locale)}: {fmt.value(key, fig['value'], locale)} "
                     f"{symbol} {fmt.change(key, fig, locale)} ({translate('weekly.previous_value', locale, value=fmt.value(key, fig['previous'], locale))})")
    lines += [""] + [f"• {s}" for s in sentences(summary, locale)]
    lines += ["", translate("weekly.msg.open", locale, url=url)]
    return "\n".join(lines)
