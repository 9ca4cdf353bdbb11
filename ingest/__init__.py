"""Channel workers: ingest incoming messages and deliver the outbox (`python -m ingest <channel>`).

They import data/, never Dash, and change tickets, comments and the outbox only through data/'s service
functions; what they write themselves is their own bookkeeping: the raw inbox (common.py), mailbox
cursors, Telegram drafts."""
