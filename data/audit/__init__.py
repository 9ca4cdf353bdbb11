"""The audit log: who changed what in the settings, who signed in (or failed to), who exported
data and who was refused, with before → after. Append-only in the database; admins read it.

`record(...)` writes one row in the caller's transaction (a rolled-back change leaves no row);
`record_refusal(...)` writes a permission refusal in a transaction of its own, since the one that
was refused rolls back. `query` / `export_csv` are the admin page's reads; `prune_expired` runs
on the scheduler's tick and removes rows older than OKNO_AUDIT_RETENTION_DAYS.
This package imports only the foundation: every domain package may record into it.
"""
from data.audit.log import client_address, delete, deleted, record, record_refusal, record_separately, saved, snapshot
from data.audit.read import PAGE_SIZE, changes, export_csv, query
from data.audit.retention import prune, prune_expired

__all__ = ["client_address", "delete", "deleted", "record", "record_refusal", "record_separately", "saved", "snapshot", "PAGE_SIZE", "changes", "export_csv",
           "query", "prune", "prune_expired"]
