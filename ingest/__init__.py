"""Channel workers: ingest incoming messages and deliver the outbox (`python -m ingest <channel>`).

They import data/, never Dash."""
