"""Exports on the ticket list: columns, format, progress, saved exports. (English, Russian) per key."""

MESSAGES: dict[str, tuple[str, str]] = {
    "exports.open": ("Export…", "Выгрузка…"),
    "exports.columns": ("Columns", "Столбцы"),
    "exports.format": ("Format", "Формат"),
    "exports.run": ("Export", "Выгрузить"),
    "exports.saved": ("Saved exports", "Сохранённые выгрузки"),
    "exports.saved_none": ("No saved exports yet", "Сохранённых выгрузок пока нет"),
    "exports.save_name": ("Name for this export", "Название выгрузки"),
    "exports.save": ("Save filter and columns", "Сохранить фильтр и столбцы"),
    "exports.saved_ok": ("Saved “{name}”.", "Выгрузка «{name}» сохранена."),
    "exports.started": ("Exporting {total} rows…", "Выгружается строк: {total}…"),
    "exports.progress": ("{done} of {total} rows", "{done} из {total} строк"),
    "exports.done": ("Done: {done} rows.", "Готово: {done} строк."),
    "exports.failed": ("Export failed: {error}", "Выгрузка не удалась: {error}"),
    "exports.delete": ("Delete this saved export", "Удалить сохранённую выгрузку"),
    "exports.deleted": ("Saved export deleted.", "Сохранённая выгрузка удалена."),
    "exports.name_required": ("Give the export a name.", "Укажите название выгрузки."),
    "exports.chart_csv": ("Data as CSV", "Данные в CSV"),
    "exports.chart_xlsx": ("Data as XLSX", "Данные в XLSX"),
}
