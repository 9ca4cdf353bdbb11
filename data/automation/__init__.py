"""Automation: hooks that run after every ticket change, rules and their actions, and the
once-a-minute scheduler for time-based work.
"""
