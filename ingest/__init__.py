"""Channel workers: ingest incoming messages and deliver the outbox. They import data/, never Dash."""
