"""Channel workers: `python -m ingest <channel>`. They import data/, never Dash."""
