"""The message catalogue for the UI and for messages sent to requesters: English and Russian.

Add a key here with both languages; use `translate(key, locale, **values)` (workers) or
`components.i18n._` (pages, which know the current user's locale).
"""
from __future__ import annotations

LOCALES = ("ru", "en")
DEFAULT_LOCALE = "ru"

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (English, Russian)
    "app.name": ("Okno", "Окно"),
    "nav.board": ("Board", "Доска"),
    "nav.tickets": ("Tickets", "Заявки"),
    "nav.analytics": ("Analytics", "Аналитика"),
    "nav.weekly": ("Weekly summary", "Недельная сводка"),
    "nav.admin": ("Admin", "Настройки"),
    "nav.logout": ("Log out", "Выйти"),
    "nav.language": ("Language", "Язык"),
    "login.title": ("Sign in to Okno", "Вход в Окно"),
    "login.email": ("Email", "Эл. почта"),
    "login.password": ("Password", "Пароль"),
    "login.submit": ("Sign in", "Войти"),
    "login.failed": ("Wrong email or password.", "Неверная почта или пароль."),
    "login.portal": ("Not staff? Open the requester portal", "Не сотрудник? Откройте портал заявок"),
    "login.csrf": ("The form expired; please try again.", "Форма устарела, попробуйте ещё раз."),
    "denied": ("You don't have access to this page.", "У вас нет доступа к этой странице."),
    "notfound": ("Page not found.", "Страница не найдена."),
    "tickets.title": ("Tickets", "Заявки"),
    "tickets.search": ("Search by title or #number", "Поиск по названию или #номеру"),
    "tickets.service": ("Service", "Сервис"),
    "tickets.type": ("Request type", "Тип заявки"),
    "tickets.status": ("Status", "Статус"),
    "tickets.column": ("Column", "Колонка"),
    "tickets.assignee": ("Assignee", "Исполнитель"),
    "tickets.unassigned": ("Unassigned", "Без исполнителя"),
    "tickets.priority": ("Priority", "Приоритет"),
    "tickets.channel": ("Channel", "Канал"),
    "tickets.created": ("Created", "Создана"),
    "tickets.resolved": ("Resolved", "Решена"),
    "tickets.first_response": ("First response", "Первый ответ"),
    "tickets.requester": ("Requester", "Заявитель"),
    "tickets.team": ("Team", "Команда"),
    "tickets.number": ("#", "№"),
    "tickets.subject": ("Title", "Тема"),
    "tickets.export": ("Export CSV", "Выгрузить CSV"),
    "tickets.reset": ("Reset filters", "Сбросить фильтры"),
    "tickets.found": ("{count} tickets", "Заявок: {count}"),
    "tickets.found_more": ("more than {count} tickets", "больше {count} заявок"),
    "tickets.ignored": ("Ignored invalid filter values: {values}", "Неверные значения фильтров пропущены: {values}"),
    "tickets.date_from": ("Created from", "Создана с"),
    "tickets.date_to": ("to", "по"),
    "status.queue": ("Queue", "В очереди"),
    "status.in_progress": ("In progress", "В работе"),
    "status.waiting": ("Waiting", "Ожидание"),
    "status.done": ("Done", "Готово"),
    "channel.email": ("Email", "Почта"),
    "channel.telegram": ("Telegram", "Telegram"),
    "channel.portal": ("Portal", "Портал"),
    "channel.api": ("API", "API"),
    "channel.agent": ("Agent", "Сотрудник"),
    "home.welcome": ("Welcome, {name}", "Здравствуйте, {name}"),
}


def translate(key: str, locale: str | None = None, **values) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    text = pair[1] if (locale or DEFAULT_LOCALE) == "ru" else pair[0]
    return text.format(**values) if values else text


def best_locale(accept_language: str | None) -> str:
    """Pick ru or en from an Accept-Language header, by the first supported language listed."""
    for part in (accept_language or "").split(","):
        lang = part.split(";")[0].strip().lower()[:2]
        if lang in LOCALES:
            return lang
    return DEFAULT_LOCALE
