"""The demo company's configuration as plain data: boards, services, request types.

Symbolic references (team and board keys) are resolved to ids by catalog.py. Field types used in
field_schema: text, textarea, number, date, select, checkbox, file.
"""
from __future__ import annotations

COMPANY_DOMAINS = ("vostok-group.example", "vostok-logistika.example")  # .example never delivers mail
ORGANISATIONS = {"vostok-group.example": "ГК «Восток»", "vostok-logistika.example": "Восток Логистика"}
STAFF_DOMAIN = "okno.demo"
DEMO_PASSWORD = "okno"

PRIORITIES = [  # code, rank, ru, en, colour (red -> grey)
    ("urgent", 1, "Срочно", "Urgent", "#dc3545"),
    ("high", 2, "Высокий", "High", "#fd7e14"),
    ("normal", 3, "Обычный", "Normal", "#0d6efd"),
    ("low", 4, "Низкий", "Low", "#20c997"),
    ("can_wait", 5, "Может подождать", "Can wait", "#6c757d"),
]
PRIORITY_SHARE = (0.04, 0.15, 0.62, 0.14, 0.05)
PRIORITY_SPEED = (0.35, 0.65, 1.0, 1.35, 2.0)  # handling-time multiplier by priority

TEAMS = [  # key, name, line level
    ("l1", "IT L1", 1), ("l2", "IT L2", 2), ("l3", "IT L3", 3), ("hr", "HR", None),
    ("legal", "Юристы", None), ("acc", "Бухгалтерия", None), ("product", "Продукт", None),
]

UNITS = ("Продажи", "Производство", "Логистика", "Финансы", "Маркетинг")

# board key: (name, lane_mode, team key, [(column name, kind, requester status, options)])
BOARDS = {
    "l1": ("IT: первая линия", "agent", "l1", [
        ("Очередь", "queue", "Заявка принята", {"time_limit_minutes": 3}),
        ("В работе", "in_progress", "В работе", {"wip_limit": 10}),
        ("Ждём ответа", "waiting", "Ждём вашего ответа", {}),
        ("Готово", "done", "Выполнена", {})]),
    "l2": ("IT: вторая линия", "agent", "l2", [
        ("Эскалации", "queue", "Передана специалисту", {}),
        ("В работе", "in_progress", "Специалист работает над заявкой", {"wip_limit": 8}),
        ("Ждём ответа", "waiting", "Ждём вашего ответа", {}),
        ("Готово", "done", "Выполнена", {})]),
    "l3": ("IT: третья линия", "none", "l3", [
        ("Готово для IT", "queue", "Запланирована", {}),
        ("Анализ", "in_progress", "Анализ требований", {}),
        ("Разработка", "in_progress", "В разработке", {"wip_limit": 6}),
        ("Тестирование", "in_progress", "Тестирование", {}),
        ("Ждёт бизнеса", "waiting", "Ждём решения заказчика", {}),
        ("Внедрено", "done", "Внедрено", {})]),
    "hr": ("HR", "none", "hr", [
        ("Новые", "queue", "Заявка принята", {}),
        ("В работе", "in_progress", "В работе", {}),
        ("Ждём документы", "waiting", "Ждём документы от вас", {}),
        ("Выполнено", "done", "Выполнена", {})]),
    "legal": ("Юристы", "agent", "legal", [
        ("Очередь", "queue", "Заявка принята", {}),
        ("В работе", "in_progress", "Юрист готовит документы", {"wip_limit": 5}),
        ("На согласовании", "waiting", "На согласовании", {}),
        ("Готово", "done", "Документы готовы", {})]),
    "acc": ("Бухгалтерия", "none", "acc", [
        ("Новые", "queue", "Заявка принята", {}),
        ("В работе", "in_progress", "В работе", {}),
        ("Ждём документы", "waiting", "Ждём документы от вас", {}),
        ("Готово", "done", "Выполнена", {})]),
    "ideas": ("Идеи", "none", "product", [
        ("Новые идеи", "queue", "Идея получена", {}),
        ("Валидация", "in_progress", "Продакт-менеджер изучает идею", {}),
        ("Нужны детали", "waiting", "Нужны подробности от вас", {}),
        ("Рассмотрено", "done", "Рассмотрена", {})]),
    "prio": ("Приоритизация", "unit", "l3", [
        ("На оценку", "queue", "Ждёт оценки бизнеса", {}),
        ("Оценка", "in_progress", "Оценивается бизнесом", {}),
        ("Отложено", "waiting", "Отложена", {}),
        ("Не в приоритете", "done", "Отклонена", {"outcome": "declined"})]),
}

# service code: (name, description, board key, team key)
SERVICES = {
    "it": ("IT-поддержка", "Принтеры, интернет, доступы к системам, компьютеры и программы. "
           "Первая линия отвечает в течение нескольких минут.", "l1", "l1"),
    "hr": ("HR-сервис", "Компенсация спорта, командировки, вакансии, выход новых сотрудников, справки.", "hr", "hr"),
    "legal": ("Юридический отдел", "Договоры, NDA, доверенности и консультации юристов.", "legal", "legal"),
    "accounting": ("Бухгалтерия", "Оплата счетов, авансовые отчёты и закрывающие документы.", "acc", "acc"),
    "ideas": ("Идеи для продукта", "Предложите, как улучшить продукт или процессы: продакт-менеджеры "
              "рассмотрят каждую идею и сообщат о решении.", "ideas", "product"),
    "improve": ("Развитие 1С и бизнес-процессов", "Доработки 1С и автоматизация процессов. Заявки оценивает "
                "бизнес-заказчик направления, лучшие попадают на доску «Готово для IT».", "prio", "l3"),
}


def f(key, type_, label, required=False, options=None, show_when=None, help=None):  # noqa: A002
    d = {"key": key, "type": type_, "label": label, "required": required}
    if options:
        d["options"] = list(options)
    if show_when:
        d["show_when"] = show_when
    if help:
        d["help"] = help
    return d


REMOTE = f("remote_help", "checkbox", "Нужна удалённая помощь", help="Специалист подключится к вашему компьютеру")
LOCATION = f("location", "text", "Где вы находитесь (офис, кабинет)", True, show_when={"field": "remote_help", "equals": False})
SCOPE = f("scope", "select", "Масштаб проблемы", True, ["Массовая", "Локальная"], help="Массовая — не работает у нескольких коллег")
DESCRIPTION = f("description", "textarea", "Опишите проблему")
SYSTEMS = ("1С:Бухгалтерия", "1С:ЗУП", "CRM", "VPN", "Корпоративная почта", "Общая папка", "Jira", "Кайтен")
CONTRACT_CHECKLIST = ["Приложены реквизиты контрагента", "Указан срок договора", "Согласовано с руководителем"]
IDEA_CHECKLIST = ["Проверить, нет ли похожей идеи в бэклоге", "Оценить пользу для клиентов",
                  "Оценить трудозатраты с разработкой", "Определить приоритет", "Сообщить автору о решении"]

# type code: dict(service, name, card_type, share within its stream, fields, checklist, routing, ...)
TYPES = {
    "printer": dict(service="it", name="Не работает принтер", card_type="Hardware", share=0.16,
                    fields=[REMOTE, LOCATION, SCOPE, f("symptom", "select", "Что происходит", True, [
                        "Печатает с полосами", "Не отправляет документ на печать", "Выдаёт ошибку",
                        "Замятие бумаги", "Другое"]), DESCRIPTION],
                    routing={"assign": "least_loaded", "team": "l1"}),
    "internet": dict(service="it", name="Нет интернета", card_type="Network", share=0.14,
                     fields=[REMOTE, LOCATION, SCOPE, f("connection", "select", "Подключение", True,
                                                         ["Кабель", "Wi-Fi", "VPN"]), DESCRIPTION],
                     routing={"assign": "least_loaded", "team": "l1"}, priority="high"),
    "access": dict(service="it", name="Запрос доступа", card_type="Access", share=0.22,
                   fields=[f("system", "select", "Система", True, SYSTEMS),
                           f("access_level", "select", "Уровень доступа", True, ["Чтение", "Запись", "Администратор"]),
                           f("justification", "textarea", "Обоснование", True)],
                   routing={"assign": "round_robin", "team": "l1"}),
    "software": dict(service="it", name="Установка программы", card_type="Software", share=0.15,
                     fields=[f("program", "text", "Программа", True), REMOTE, DESCRIPTION],
                     routing={"assign": "round_robin", "team": "l1"}, priority="low"),
    "workplace": dict(service="it", name="Компьютер и рабочее место", card_type="Hardware", share=0.13,
                      fields=[REMOTE, LOCATION, f("device", "select", "Устройство", True,
                                                  ["Ноутбук", "Монитор", "Клавиатура/мышь", "Телефон", "Гарнитура"]),
                              DESCRIPTION],
                      routing={"assign": "least_loaded", "team": "l1"}),
    "onec": dict(service="it", name="Ошибка в 1С", card_type="1С", share=0.12,
                 fields=[f("base", "select", "База", True, ["Бухгалтерия", "ЗУП", "УТ", "ERP"]), DESCRIPTION],
                 routing={"assign": "least_loaded", "team": "l1"}),
    "other": dict(service="it", name="Другой вопрос", card_type="Question", share=0.08,
                  fields=[f("topic", "select", "Тема", True, ["Принтер", "Интернет", "Доступы", "Компьютер", "1С", "Другое"]),
                          DESCRIPTION],
                  routing={"assign": "round_robin", "team": "l1", "rules": "printer-rule"}),
    "sport": dict(service="hr", name="Компенсация спорта", card_type="Компенсация", share=0.25,
                  fields=[f("sport", "select", "Вид спорта", True, ["Фитнес-клуб", "Бассейн", "Йога", "Бег", "Другое"]),
                          f("amount", "number", "Сумма, ₽", True), f("period", "text", "Период", True),
                          f("receipt", "file", "Чек или договор", True)],
                  routing={"assign": "fixed", "user": "hr:0"}, file="receipt"),
    "trip": dict(service="hr", name="Командировка", card_type="Командировка", share=0.25,
                 fields=[f("city", "text", "Город", True), f("date_from", "date", "С", True),
                         f("date_to", "date", "По", True), f("purpose", "textarea", "Цель поездки", True),
                         f("hotel", "checkbox", "Нужна гостиница")],
                 routing={"assign": "round_robin", "team": "hr"}),
    "vacancy": dict(service="hr", name="Открытие вакансии", card_type="Вакансия", share=0.12,
                    fields=[f("position", "text", "Должность", True), f("department", "text", "Подразделение", True),
                            f("salary", "number", "Зарплата до, ₽"), f("deadline", "date", "Когда нужен сотрудник")],
                    routing={"assign": "fixed", "user": "hr:1"}),
    "vacation": dict(service="hr", name="Отпуск", card_type="Отпуск", share=0.18,
                     fields=[f("date_from", "date", "С", True), f("date_to", "date", "По", True),
                             f("kind", "select", "Вид отпуска", True, ["Ежегодный", "За свой счёт", "Учебный"])],
                     routing={"assign": "round_robin", "team": "hr"}),
    "certificate": dict(service="hr", name="Справка с места работы", card_type="Документы", share=0.20,
                        fields=[f("kind", "select", "Справка", True, ["С места работы", "2-НДФЛ", "О стаже"]),
                                f("copies", "number", "Количество экземпляров")],
                        routing={"assign": "round_robin", "team": "hr"}, priority="low"),
    "onboarding": dict(service="hr", name="Выход нового сотрудника", card_type="Онбординг", share=0.0,
                       fields=[f("employee", "text", "ФИО сотрудника", True), f("position", "text", "Должность", True),
                               f("start_date", "date", "Дата выхода", True), f("department", "text", "Подразделение", True)],
                       routing={"assign": "fixed", "user": "hr:lead"}, children="onboarding"),
    "contract": dict(service="legal", name="Договор", card_type="Договор", share=0.70,
                     fields=[f("counterparty", "text", "Контрагент", True),
                             f("contract_type", "select", "Вид договора", True, ["Поставка", "Услуги", "Аренда", "Подряд"]),
                             f("amount", "number", "Сумма, ₽"), f("project", "text", "Проект")],
                     checklist=[{"text": t, "required_on_submit": True} for t in CONTRACT_CHECKLIST],
                     routing={"assign": "least_loaded", "team": "legal"}),
    "nda": dict(service="legal", name="NDA", card_type="NDA", share=0.15,
                fields=[f("counterparty", "text", "Контрагент", True)], routing={"assign": "round_robin", "team": "legal"}),
    "consult": dict(service="legal", name="Консультация юриста", card_type="Консультация", share=0.15,
                    fields=[DESCRIPTION], routing={"assign": "least_loaded", "team": "legal"}),
    "invoice": dict(service="accounting", name="Оплата счёта", card_type="Оплата", share=0.70,
                    fields=[f("counterparty", "text", "Поставщик", True), f("amount", "number", "Сумма, ₽", True),
                            f("due_date", "date", "Оплатить до", True), f("invoice", "file", "Счёт", True)],
                    routing={"assign": "round_robin", "team": "acc"}, file="invoice"),
    "advance": dict(service="accounting", name="Авансовый отчёт", card_type="Авансовый отчёт", share=0.30,
                    fields=[f("amount", "number", "Сумма, ₽", True), f("receipts", "file", "Чеки", True)],
                    routing={"assign": "round_robin", "team": "acc"}, file="receipts"),
    "idea": dict(service="ideas", name="Идея", card_type="Идея", share=1.0,
                 fields=[f("area", "select", "О чём идея", True, ["Продукт", "Клиентский сервис", "Внутренние процессы",
                                                                  "Инструменты"]),
                         f("benefit", "textarea", "Какую пользу принесёт", True)],
                 checklist=[{"text": t, "required_on_submit": False} for t in IDEA_CHECKLIST],
                 routing={"assign": "round_robin", "team": "product"}, priority="low"),
    "improvement": dict(service="improve", name="Доработка 1С", card_type="Доработка", share=0.6,
                        fields=[f("unit", "select", "Направление", True, UNITS), f("effect", "textarea", "Ожидаемый эффект", True)],
                        routing={"assign": "fixed", "user": "unit-owner"}),
    "automation": dict(service="improve", name="Автоматизация процесса", card_type="Автоматизация", share=0.4,
                       fields=[f("unit", "select", "Направление", True, UNITS), f("process", "text", "Процесс", True)],
                       routing={"assign": "fixed", "user": "unit-owner"}),
}
TYPE_CODES = tuple(TYPES)

# Child cards created when a new hire accepts the offer (ATI.SU): payroll, accounting, admins.
ONBOARDING_CHILDREN = [
    dict(board="acc", service="accounting", title="Зарплата: оформить {employee}", card_type="Зарплата",
         checklist=["Приказ о приёме получен", "Сотрудник заведён в 1С:ЗУП", "Реквизиты карты внесены"]),
    dict(board="acc", service="accounting", title="Бухгалтерия: {employee} — договор о материальной ответственности",
         card_type="Учёт", checklist=["Договор подписан", "Карточка сотрудника в 1С:Бухгалтерия"]),
    dict(board="l1", service="it", title="Рабочее место для {employee}", card_type="Рабочее место",
         checklist=["Учётная запись и почта", "Ноутбук выдан", "Доступы к 1С и CRM", "Пропуск в офис"]),
]

# Stream shares: IT first line gets this share of the requests people send; the rest is split.
IT_SHARE = 0.73
OTHER_SERVICE_SHARE = {"hr": 0.36, "legal": 0.18, "accounting": 0.30, "ideas": 0.09, "improve": 0.07}
ONBOARDING_SHARE = 0.004  # of all tickets: new-hire requests, each fanning out to 3 child cards
CHANNEL_SHARE_BEFORE = {"email": 0.62, "portal": 0.32, "api": 0.06}  # no Telegram bot before go-live
CHANNEL_SHARE_AFTER_TG = {"telegram": 0.6, "email": 0.2, "portal": 0.15, "api": 0.05}
CHANNEL_SHARE_AFTER = {"email": 0.55, "portal": 0.38, "api": 0.07}
