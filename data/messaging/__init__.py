"""Outgoing messages: the outbox (written in the caller's transaction) and whom to notify.
"""
