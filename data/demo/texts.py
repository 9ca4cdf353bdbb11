"""What requesters write: per request type, a pool of cases (title, description, form fields)."""
from __future__ import annotations

import json
import random
import re
from datetime import date, timedelta

from data.demo import spec

OFFICES = ["Москва, Ленинский пр. 15, каб. 305", "Москва, Павелецкая наб. 2, 4 этаж", "Подольск, склад №2",
           "Екатеринбург, ул. Малышева 51", "Новосибирск, офис продаж", "Москва, Ленинский пр. 15, переговорная «Байкал»",
           "Химки, распределительный центр", "Казань, ул. Баумана 44", "Москва, ресепшен 1 этажа"]
PRINTERS = ["HP LaserJet M428", "Kyocera ECOSYS M2540", "Canon i-SENSYS MF443", "Xerox B215", "Brother HL-L2340"]
PROGRAMS = ["Microsoft Teams", "Adobe Acrobat Reader", "7-Zip", "Notepad++", "Power BI Desktop", "КонсультантПлюс",
            "Контур.Диадок", "Zoom", "Visio", "AutoCAD LT", "DBeaver", "Яндекс Браузер"]
CITIES = ["Санкт-Петербург", "Казань", "Екатеринбург", "Новосибирск", "Нижний Новгород", "Самара", "Краснодар",
          "Ростов-на-Дону", "Владивосток", "Минск", "Пермь", "Тюмень"]
COUNTERPARTIES = ["ООО «Ромашка»", "АО «СтройИнвест»", "ООО «ТрансЛогистик»", "ИП Сидоренко", "ООО «Альфа-Трейд»",
                  "АО «Северсталь-Сервис»", "ООО «Бумажный мир»", "ООО «КлинингПро»", "ООО «Деловые линии»",
                  "АО «Технопарк»", "ООО «Софтлайн Трейд»", "ООО «Канцмаркет»"]
POSITIONS = ["менеджер по продажам", "бухгалтер", "специалист склада", "логист", "юрист", "разработчик 1С",
             "маркетолог", "водитель-экспедитор", "HR-специалист", "системный администратор", "аналитик"]
DEPARTMENTS = ["Отдел продаж", "Бухгалтерия", "Склад", "Логистика", "Маркетинг", "IT", "Юридический отдел"]
ONEC_ERRORS = ["Не проводится реализация: «Недостаточно товара на складе»", "Ошибка при формировании УПД",
               "Не открывается отчёт «Оборотно-сальдовая ведомость»", "Зависает при закрытии месяца",
               "Не выгружаются документы в ЭДО", "Неверно считается отпуск в ЗУП", "Не печатается счёт-фактура",
               "Ошибка «Конфликт блокировок» при записи документа"]
IDEAS = ["Добавить в личный кабинет клиента выгрузку актов в Excel", "Сделать чат-бота для статуса заказа",
         "Напоминать клиенту о продлении договора за месяц", "Автоматически отправлять трек-номер в Telegram",
         "Сделать мобильную версию портала заявок", "Показывать клиенту остатки на складе онлайн",
         "Упростить форму регистрации нового клиента", "Добавить оплату по QR-коду", "Сделать программу "
         "лояльности для постоянных клиентов", "Объединить рассылки в один дайджест", "Единый справочник контрагентов",
         "Шаблоны коммерческих предложений в CRM"]
PROCESSES = ["согласование заявок на закупку", "сверка с поставщиками", "выгрузка отчётов для продаж",
             "расчёт бонусов менеджеров", "инвентаризация склада", "планирование доставок", "учёт возвратов",
             "загрузка прайсов поставщиков", "закрытие месяца"]


def _d(r: random.Random, lo: int = 3, hi: int = 30) -> str:
    """A date relative to the ticket's creation, filled in per ticket by fill_dates()."""
    return f"@D+{r.randint(lo, hi)}@"


_DATE_TOKEN = re.compile(r"@D\+(\d+)@")


def fill_dates(text: str, created: date) -> str:
    return _DATE_TOKEN.sub(lambda m: (created + timedelta(days=int(m.group(1)))).isoformat(), text)


def _it(r, code):
    remote = r.random() < 0.4
    fields = {"remote_help": remote, "scope": "Массовая" if r.random() < 0.15 else "Локальная"}
    if not remote:
        fields["location"] = r.choice(OFFICES)
    where = "" if remote else f" ({fields['location']})"
    mass = " Не работает у всего отдела." if fields["scope"] == "Массовая" else ""
    if code == "printer":
        symptom = r.choice(["Печатает с полосами", "Не отправляет документ на печать", "Выдаёт ошибку", "Замятие бумаги"])
        p = r.choice(PRINTERS)
        fields.update(symptom=symptom, description=f"{p}: {symptom.lower()}.{mass}")
        title = r.choice([f"Не печатает принтер {p}", f"Принтер: {symptom.lower()}", "Не работает принтер" + where])
        return title, f"Добрый день! {symptom} на принтере {p}{where}.{mass} Документы нужны срочно.", fields
    if code == "internet":
        conn = r.choice(["Кабель", "Wi-Fi", "VPN"])
        fields.update(connection=conn, description=f"Нет подключения через {conn}.{mass}")
        title = r.choice(["Нет интернета", f"Не работает {conn}", "Пропал интернет" + where, f"{conn} постоянно отваливается"])
        return title, f"Здравствуйте! Не подключается {conn}, сайты не открываются.{mass} Перезагрузка не помогла.", fields
    if code == "software":
        prog = r.choice(PROGRAMS)
        return f"Установить {prog}", f"Прошу установить {prog} на мой компьютер, нужно для работы.", \
            {"program": prog, "remote_help": True, "description": ""}
    if code == "workplace":
        dev = r.choice(["Ноутбук", "Монитор", "Клавиатура/мышь", "Телефон", "Гарнитура"])
        issue = r.choice(["не включается", "сломался", "нужен новый", "работает с перебоями"])
        fields.update(device=dev, description=f"{dev}: {issue}")
        return f"{dev}: {issue}", f"Добрый день! {dev} {issue}.{where} Прошу помочь.", fields
    if code == "onec":
        err = r.choice(ONEC_ERRORS)
        base = r.choice(["Бухгалтерия", "ЗУП", "УТ", "ERP"])
        return f"1С {base}: {err}", f"В базе 1С:{base} ошибка: {err}. Скриншот во вложении.", \
            {"base": base, "description": err}
    topic, q = r.choice([("Интернет", "Как подключиться к гостевому Wi-Fi?"), ("Другое", "Как настроить подпись в почте?"),
                         ("Другое", "Не приходит почта от клиента"), ("Доступы", "Как сменить пароль?"),
                         ("Компьютер", "Перенести файлы на новый ноутбук"), ("Компьютер", "Как подключить второй монитор?"),
                         ("Принтер", "Как сканировать на почту с МФУ?"), ("1С", "Где в 1С отчёт по продажам?")])
    return q, f"{q} Подскажите, пожалуйста.", {"topic": topic, "description": q}


def _case(r: random.Random, code: str):
    if spec.TYPES[code]["service"] == "it" and code != "access":
        return _it(r, code)
    if code == "access":
        system = r.choice(spec.SYSTEMS)
        level = r.choice(["Чтение", "Запись", "Администратор"])
        why = r.choice(["перешёл в новый отдел", "новый проект", "замещаю коллегу на время отпуска", "нужно для отчётности"])
        to = {"Корпоративная почта": "корпоративной почте", "Общая папка": "общей папке отдела",
              "Кайтен": "Кайтену"}.get(system, system)
        return f"Доступ к {to}", f"Прошу выдать доступ к {to} ({level.lower()}): {why}.", \
            {"system": system, "access_level": level, "justification": why}
    if code == "sport":
        sport = r.choice(["Фитнес-клуб", "Бассейн", "Йога", "Бег", "Другое"])
        amount = r.randrange(2000, 15000, 500)
        what = {"Фитнес-клуб": "абонемент в фитнес-клуб", "Бассейн": "абонемент в бассейн", "Йога": "занятия йогой",
                "Бег": "участие в забеге", "Другое": "спортивную секцию"}[sport]
        return f"Компенсация спорта: {what}", f"Прошу компенсировать {what} на {amount} ₽, чек во вложении.", \
            {"sport": sport, "amount": amount, "period": r.choice(["январь", "февраль", "март", "апрель", "май", "июнь",
                                                                   "июль", "август", "сентябрь", "октябрь", "ноябрь",
                                                                   "декабрь"]), "receipt": "@FILE@"}
    if code == "trip":
        city = r.choice(CITIES)
        days = r.randint(1, 5)
        start = r.randint(5, 30)
        purpose = r.choice(["встреча с клиентом", "аудит склада", "выставка", "обучение", "запуск филиала"])
        return f"Командировка: {city}", f"Нужно оформить командировку ({city}, {days + 1} дн.): {purpose}. "\
            "Билеты и гостиница — по стандартной политике.", {"city": city, "date_from": f"@D+{start}@",
                                                                 "date_to": f"@D+{start + days}@",
                                                                 "purpose": purpose, "hotel": r.random() < 0.7}
    if code == "vacancy":
        pos, dep = r.choice(POSITIONS), r.choice(DEPARTMENTS)
        return f"Вакансия: {pos}", f"Прошу открыть вакансию «{pos}» в подразделение «{dep}».", \
            {"position": pos, "department": dep, "salary": r.randrange(60000, 250000, 10000), "deadline": _d(r)}
    if code == "vacation":
        start, days = r.randint(14, 60), r.choice([3, 7, 14])
        kind = r.choice(["Ежегодный", "Ежегодный", "За свой счёт", "Учебный"])
        return f"{kind} отпуск на {days} дн.", f"Прошу оформить: {kind.lower()} отпуск, {days} дней, "\
            "согласовано с руководителем.", {"date_from": f"@D+{start}@", "date_to": f"@D+{start + days - 1}@", "kind": kind}
    if code == "certificate":
        kind = r.choice(["С места работы", "2-НДФЛ", "О стаже"])
        return f"Справка {kind.lower()}", f"Нужна справка {kind.lower()} для банка.", {"kind": kind, "copies": r.randint(1, 3)}
    if code == "onboarding":
        from data.demo.names import NameMaker
        employee = NameMaker(r.randint(0, 10 ** 9)).person()[0]
        pos, dep = r.choice(POSITIONS), r.choice(DEPARTMENTS)
        return f"Выход нового сотрудника: {employee}", f"{employee} принял(а) офер, выходит на должность «{pos}».", \
            {"employee": employee, "position": pos, "start_date": _d(r), "department": dep}
    if code in ("contract", "nda"):
        cp = r.choice(COUNTERPARTIES)
        kind = r.choice(["Поставка", "Услуги", "Аренда", "Подряд"])
        of = {"Поставка": "поставки", "Услуги": "оказания услуг", "Аренда": "аренды", "Подряд": "подряда"}[kind]
        if code == "nda":
            return f"NDA с {cp}", f"Прошу подготовить NDA с {cp} перед началом переговоров.", {"counterparty": cp}
        return f"Договор {of} с {cp}", f"Нужен договор {of} с {cp}. Реквизиты контрагента во вложении.", \
            {"counterparty": cp, "contract_type": kind, "amount": r.randrange(50000, 5000000, 10000),
             "project": r.choice(["Запуск филиала", "Ремонт склада", "Маркетинг Q3", "Логистика", "CRM"])}
    if code == "consult":
        q = r.choice(["Можно ли расторгнуть договор досрочно?", "Как оформить претензию поставщику?",
                      "Нужна ли доверенность для подписания акта?", "Проверить условия оферты"])
        return q, f"{q} Подробности в переписке во вложении.", {"description": q}
    if code in ("invoice", "advance"):
        cp = r.choice(COUNTERPARTIES)
        amount = r.randrange(3000, 900000, 100)
        if code == "advance":
            return f"Авансовый отчёт на {amount} ₽", "Прошу принять авансовый отчёт, чеки во вложении.", \
                {"amount": amount, "receipts": "@FILE@"}
        return f"Оплатить счёт {cp}", f"Прошу оплатить счёт {cp} на {amount} ₽.", \
            {"counterparty": cp, "amount": amount, "due_date": _d(r), "invoice": "@FILE@"}
    if code == "idea":
        idea = r.choice(IDEAS)
        return idea, f"{idea}. Клиенты часто об этом спрашивают.", \
            {"area": r.choice(["Продукт", "Клиентский сервис", "Внутренние процессы", "Инструменты"]),
             "benefit": "Сэкономит время клиентов и сотрудников"}
    unit, proc = r.choice(spec.UNITS), r.choice(PROCESSES)
    if code == "improvement":
        return f"Доработать 1С: {proc}", f"Предлагаем доработать в 1С процесс «{proc}».", \
            {"unit": unit, "effect": "Сократит ручную работу на 10 часов в неделю"}
    return f"Автоматизировать {proc}", f"Сейчас {proc} делается вручную в Excel.", {"unit": unit, "process": proc}


FILE_NAMES = {"sport": "чек_спорт.pdf", "invoice": "счёт.pdf", "advance": "чеки.pdf"}


class CasePools:
    """Per type: parallel lists of titles, descriptions and fields JSON, picked by index."""

    def __init__(self, seed: int, size: int = 160):
        r = random.Random(seed)
        self.size = size
        self.title, self.description, self.fields, self.employee, self.unit = {}, {}, {}, {}, {}
        for code in spec.TYPE_CODES:
            cases = [_case(r, code) for _ in range(size)]
            self.title[code] = [c[0][:300] for c in cases]
            self.description[code] = [c[1] for c in cases]
            self.fields[code] = [json.dumps(c[2], ensure_ascii=False) for c in cases]
            self.employee[code] = [c[2].get("employee", "") for c in cases]
            self.unit[code] = [spec.UNITS.index(c[2]["unit"]) if "unit" in c[2] else -1 for c in cases]
