"""SLA, escalation, rules and their admin pages. (English, Russian) per key."""

MESSAGES: dict[str, tuple[str, str]] = {
    "sla.target.first_response": ("First response", "Первый ответ"),
    "sla.target.next_response": ("Next response", "Следующий ответ"),
    "sla.target.resolution": ("Resolution", "Решение"),
    "sla.state.running": ("Running", "Идёт"),
    "sla.state.paused": ("Paused", "На паузе"),
    "sla.state.met": ("Met", "Выполнено"),
    "sla.state.breached": ("Breached", "Нарушено"),
    "sla.notify.at_risk": ("#{number} “{title}”: {target} is due {due} — the SLA is at risk",
                           "#{number} «{title}»: срок «{target}» — {due}, SLA под угрозой"),
    "sla.notify.breached": ("#{number} “{title}”: {target} was due {due} — the SLA is breached",
                            "#{number} «{title}»: срок «{target}» истёк {due}, SLA нарушено"),
    "sla.notify.subject": ("Okno: SLA of #{number}", "Окно: SLA заявки #{number}"),
    "rules.notify": ("Rule “{rule}”: #{number} “{title}”", "Правило «{rule}»: #{number} «{title}»"),
    "escalation.no_next_line": ("There is no next support line after {team}",
                                "После линии «{team}» нет следующей линии поддержки"),
    "escalation.no_board": ("The next line {team} has no board", "У следующей линии «{team}» нет доски"),
    "escalation.notify": ("#{number} “{title}” was escalated to {team}", "#{number} «{title}» передана на линию «{team}»"),
}
