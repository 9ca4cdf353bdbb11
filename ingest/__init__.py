"""Channel workers: one module per channel, run as `python -m ingest <channel>`."""
