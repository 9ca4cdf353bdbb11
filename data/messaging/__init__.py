"""Outgoing messages: the outbox (written in the caller's transaction, and each delivery attempt's
result) and whom to notify.
"""
