"""Approvals: request types whose requests wait for one or more approval steps before work starts (config.py),
who approves (people.py), starting (start.py), asking (ask.py), deciding (decide.py) and reading (view.py)."""
