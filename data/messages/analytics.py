"""Analytics pages: sections, filter bar, KPI cards, chart titles and the definitions shown in tooltips."""

MESSAGES: dict[str, tuple[str, str]] = {
    "an.section.overview": ("Overview", "Обзор"),
    "an.section.flow": ("Flow", "Поток"),
    "an.section.sla": ("SLA", "SLA"),
    "an.section.team": ("Team", "Команда"),
    "an.section.compare": ("Before / after", "До / после"),
    "an.section.forecast": ("Forecast", "Прогноз"),
    "an.f.dates": ("Period", "Период"),
    "an.f.service": ("Service", "Сервис"),
    "an.f.team": ("Team / line", "Команда / линия"),
    "an.f.board": ("Board", "Доска"),
    "an.f.agent": ("Agent", "Исполнитель"),
    "an.f.priority": ("Priority", "Приоритет"),
    "an.f.channel": ("Channel", "Канал"),
    "an.f.type": ("Request type", "Тип заявки"),
    "an.f.all": ("All", "Все"),
    "an.unassigned": ("Unassigned", "Без исполнителя"),
    "an.ignored": ("Ignored in the link: {values}", "Не поняли в ссылке: {values}"),
    "an.fresh_live": ("Live data, computed at {at}", "Данные в реальном времени, посчитано в {at}"),
    "an.fresh_rollup": ("Daily totals as of {at}", "Дневные итоги на {at}"),
    "an.definition": ("Definition", "Определение"),
    "an.csv": ("Download this chart's data as CSV", "Скачать данные графика в CSV"),
    "an.nodata": ("No tickets for these filters", "Нет заявок по этим фильтрам"),
    "an.nodata_open": ("No open tickets for these filters", "Нет открытых заявок по этим фильтрам"),
    "an.nodata_sla": ("No done tickets with an SLA in this period", "Нет закрытых заявок с SLA за период"),
    "an.nodata_lanes": ("No open tickets in lanes", "Нет открытых заявок на дорожках"),
    "an.previous": ("previous period: {value}", "прошлый период: {value}"),
    "an.kpi.created": ("Created", "Создано"),
    "an.kpi.resolved": ("Resolved", "Решено"),
    "an.kpi.backlog": ("Open backlog", "Открытых на конец"),
    "an.kpi.cycle_p50": ("Cycle time, median", "Время цикла, медиана"),
    "an.kpi.cycle_p85": ("Cycle time, 85%", "Время цикла, 85%"),
    "an.kpi.first_response_p50": ("First response, median", "Первый ответ, медиана"),
    "an.kpi.sla_met": ("SLA met", "SLA соблюдён"),
    "an.kpi.reopened": ("Reopened", "Переоткрыто"),
    "an.d": ("d", "дн"),
    "an.h": ("h", "ч"),
    "an.min": ("min", "мин"),
    "an.days": ("days", "дней"),
    "an.days_log": ("days (log scale)", "дней (лог. шкала)"),
    "an.tickets": ("tickets", "заявок"),
    "an.tickets_cumulative": ("tickets (cumulative)", "заявок (нарастающим итогом)"),
    "an.created": ("Created", "Создано"),
    "an.resolved": ("Resolved", "Решено"),
    "an.backlog": ("Open backlog", "Открытые"),
    "an.done": ("Done", "Готово"),
    "an.throughput": ("Throughput", "Пропускная способность"),
    "an.average": ("average {value}", "в среднем {value}"),
    "an.grain_day": ("day", "день"),
    "an.grain_week": ("week", "неделя"),
    "an.grain_month": ("month", "месяц"),
    "an.per_day": ("done per day", "готово в день"),
    "an.per_week": ("done per week", "готово в неделю"),
    "an.per_month": ("done per month", "готово в месяц"),
    "an.cycle": ("Cycle time", "Время цикла"),
    "an.sampled": ("{shown} of {total} tickets shown", "показано {shown} из {total} заявок"),
    "an.lead_days": ("lead time, days", "время выполнения, дней"),
    "an.age": ("Age", "Возраст"),
    "an.age_days": ("age since start, days (log scale)", "возраст с начала работы, дней (лог. шкала)"),
    "an.sla_met": ("Met", "Соблюдён"),
    "an.sla_breached": ("Breached", "Нарушен"),
    "an.sla_met_pct": ("SLA met %", "SLA соблюдён, %"),
    "an.no_priority": ("No priority", "Без приоритета"),
    "an.in_time": ("Answered", "Отвечено"),
    "an.unanswered": ("no reply yet", "без ответа"),
    "an.agent": ("Agent", "Исполнитель"),
    "an.open_now": ("Open now", "Открыто сейчас"),
    "an.cycle_p50": ("Cycle time, median (d)", "Время цикла, медиана (дн)"),
    "an.reopen_rate": ("Reopened", "Переоткрыто"),
    "an.wip_limit": ("WIP limit", "Лимит WIP"),
    "an.hour_local": ("hour (Moscow time)", "час (московское время)"),
    "an.mon": ("Mon", "Пн"), "an.tue": ("Tue", "Вт"), "an.wed": ("Wed", "Ср"), "an.thu": ("Thu", "Чт"),
    "an.fri": ("Fri", "Пт"), "an.sat": ("Sat", "Сб"), "an.sun": ("Sun", "Вс"),
    # Chart titles
    "an.created_resolved": ("Created vs resolved", "Создано и решено"),
    "an.cycle_scatter": ("Cycle time scatterplot", "Время цикла по заявкам"),
    "an.lead_histogram": ("Lead time distribution", "Распределение времени выполнения"),
    "an.cfd": ("Cumulative flow", "Накопительная диаграмма потока"),
    "an.aging": ("Aging work in progress", "Возраст незавершённых заявок"),
    "an.sla_week": ("SLA met vs breached by week", "SLA по неделям"),
    "an.sla_priority": ("SLA by priority", "SLA по приоритетам"),
    "an.first_response": ("Time to first response", "Время первого ответа"),
    "an.agents_table": ("Agents", "Исполнители"),
    "an.agents_chart": ("Resolved and open per agent", "Решено и в работе по исполнителям"),
    "an.lanes": ("Load per lane", "Нагрузка по дорожкам"),
    "an.arrivals": ("When requests arrive", "Когда приходят заявки"),
    # Definitions (info tooltips); the same text is in docs/analytics.md
    "an.info.created_resolved": (
        "Bars: tickets created and tickets resolved (entered done and still done) per period. Line: open tickets "
        "at the end of each period. Click a bar to open those tickets.",
        "Столбцы: создано и решено (перешли в «Готово» и остаются там) за период. Линия: открытые заявки на "
        "конец периода. Нажмите на столбец, чтобы открыть эти заявки."),
    "an.info.throughput": (
        "Throughput = tickets entering done per day, week or month, periods with zero included. The dotted line "
        "is the average.",
        "Пропускная способность = заявки, перешедшие в «Готово» за день, неделю или месяц, включая периоды с нулём. "
        "Пунктир — среднее."),
    "an.info.cycle_scatter": (
        "One dot per done ticket. Cycle time = from the first entry into an in-progress column to entry into "
        "done, in calendar days, counting both ends (ActionableAgile): started and finished the same day = 1 day. "
        "Lines: 50%, 85% and 95% of tickets finished within that many days. Click a dot to open the ticket.",
        "Точка — закрытая заявка. Время цикла = от первого попадания в колонку «в работе» до попадания в "
        "«Готово», в календарных днях включительно (как в ActionableAgile): начали и закончили в один день = 1 день. "
        "Линии: 50%, 85% и 95% заявок закрыты не дольше. Нажмите на точку, чтобы открыть заявку."),
    "an.info.lead_histogram": (
        "Lead time = from creation to done, elapsed days. Tickets done in the period; the last bar holds the "
        "slowest 1%. Lines: 50/85/95th percentiles.",
        "Время выполнения = от создания до «Готово», в днях. Заявки, закрытые за период; последний столбец — самые "
        "долгие 1%. Линии: 50/85/95-й процентили."),
    "an.info.cfd": (
        "For each day, how many tickets have reached each stage (queue → in progress → waiting → done), from the "
        "event history. Band height is work in that stage; the slope of Done is throughput. Bands never go down.",
        "Для каждого дня — сколько заявок дошло до каждого этапа (очередь → в работе → ожидание → готово), по "
        "истории событий. Высота полосы — заявки на этапе; наклон «Готово» — пропускная способность."),
    "an.info.aging": (
        "Open tickets in their current column; height = age in calendar days since work started (since creation "
        "while still queued). Dotted bands: 50/70/85/95% of tickets done in the period finished within that cycle "
        "time — a dot above the 85% line is at risk. Click a dot to open the ticket.",
        "Открытые заявки в текущей колонке; высота — возраст в календарных днях с начала работы (с создания, "
        "пока в очереди). Пунктиры: 50/70/85/95% закрытых за период заявок уложились в это время цикла — точка "
        "выше 85% в зоне риска. Нажмите на точку, чтобы открыть заявку."),
    "an.info.sla_week": (
        "Done tickets per week of resolution: met every SLA target vs breached one (first response or resolution). "
        "Tickets without an SLA are left out. Line: SLA met %.",
        "Закрытые заявки по неделе закрытия: все цели SLA соблюдены или одна нарушена (первый ответ или решение). "
        "Заявки без SLA не учитываются. Линия: доля соблюдённых."),
    "an.info.sla_priority": (
        "Done tickets in the period with an SLA, met vs breached, per priority.",
        "Закрытые за период заявки с SLA по приоритетам: соблюдён или нарушен."),
    "an.info.first_response": (
        "First response = from creation to the first public reply by an agent (internal notes and auto-replies "
        "don't count). Tickets created in the period; red = first-response SLA breached.",
        "Первый ответ = от создания до первого публичного ответа сотрудника (внутренние заметки и автоответы не "
        "считаются). Заявки, созданные за период; красным — нарушен SLA первого ответа."),
    "an.info.agents": (
        "Per assignee: open now, resolved in the period, median cycle time (days), SLA met % of resolved tickets "
        "with an SLA, reopen rate = share of resolved tickets that were ever moved from done back to work.",
        "По исполнителям: открыто сейчас, решено за период, медиана времени цикла (дни), доля соблюдённого SLA среди "
        "решённых заявок с SLA, доля переоткрытых = решённые заявки, которые возвращали из «Готово» в работу."),
    "an.info.lanes": (
        "Open tickets in each board lane by status, with the lane's WIP limit — the load a lead sees on the board.",
        "Открытые заявки на каждой дорожке доски по статусам и лимит WIP дорожки — нагрузка, которую видит "
        "руководитель на доске."),
    "an.info.arrivals": (
        "Tickets created in the period by weekday and hour, Moscow time.",
        "Заявки, созданные за период, по дням недели и часам, московское время."),
    "an.info.compare": (
        "Per agent or team, whole months before the date vs whole months after it (the current month is left out): "
        "tickets resolved per month, median and 85th-percentile handling time (work started → done, days), SLA met %. "
        "Second line: the difference and its 95% bootstrap interval over months (4,000 resamples, fixed seed).",
        "По исполнителю или команде: полные месяцы до даты и после неё (текущий месяц не учитывается): решено заявок "
        "в месяц, медиана и 85-й процентиль времени обработки (начало работы → готово, дни), доля соблюдённого SLA. "
        "Вторая строка: разница и её 95% бутстреп-интервал по месяцам (4000 повторов, фиксированное зерно)."),
    "an.info.forecast_when": (
        "Monte Carlo: each future day's throughput is drawn at random from the past days of the period (zero days "
        "included), 10,000 times, until N tickets are done. Lines: done by that date with 50%, 85%, 95% probability.",
        "Монте-Карло: пропускная способность каждого будущего дня берётся случайно из прошлых дней периода (включая "
        "дни с нулём), 10 000 раз, пока не будет сделано N заявок. Линии: готово к дате с вероятностью 50/85/95%."),
    "an.info.forecast_many": (
        "Monte Carlo over the days until the date (10,000 trials): with 85% probability at least this many tickets "
        "will be done, and so on.",
        "Монте-Карло по дням до даты (10 000 испытаний): с вероятностью 85% будет сделано не меньше стольких заявок "
        "и т. д."),
    # Compare
    "an.cmp.pivot": ("Compare around", "Сравнить до и после"),
    "an.cmp.months_before": ("Months before", "Месяцев до"),
    "an.cmp.group": ("Per", "По"),
    "an.cmp.explain": ("Whole months only; intervals are 95% bootstrap intervals of the difference.",
                       "Только полные месяцы; интервалы — 95% бутстреп-интервалы разницы."),
    "an.cmp.table": ("Before → after", "До → после"),
    "an.cmp.chart": ("Before and after", "До и после"),
    "an.cmp.who": ("Who", "Кто"),
    "an.cmp.months": ("Months before / after", "Месяцев до / после"),
    "an.cmp.resolved": ("Resolved per month", "Решено в месяц"),
    "an.cmp.handle_p50": ("Handling time, median (d)", "Время обработки, медиана (дн)"),
    "an.cmp.handle_p85": ("Handling time, 85% (d)", "Время обработки, 85% (дн)"),
    "an.cmp.sla_met": ("SLA met %", "SLA соблюдён, %"),
    "an.cmp.before": ("Before", "До"),
    "an.cmp.after": ("After (95% interval of the change)", "После (95% интервал изменения)"),
    # Forecast
    "an.fc.when": ("When will they be done?", "Когда будут сделаны?"),
    "an.fc.many": ("How many by a date?", "Сколько будет сделано к дате?"),
    "an.fc.n": ("N", "N"),
    "an.fc.n_default": ("open now", "открытые"),
    "an.fc.until": ("by", "к"),
    "an.fc.items": ("{n} tickets", "{n} заявок"),
    "an.fc.history": ("history: {days} days, {done} done", "история: {days} дн., сделано {done}"),
    "an.fc.none": ("Nothing was done in the period: no throughput to forecast from.",
                   "За период ничего не сделано: прогнозировать не из чего."),
    "an.fc.by": ("By {date}", "К {date}"),
    "an.fc.share": ("% of trials", "% испытаний"),
    "an.fc.at_least": ("{p}%: ≥ {n}", "{p}%: ≥ {n}"),
    "an.fc.done_by": ("tickets done by {date}", "заявок сделано к {date}"),
}
