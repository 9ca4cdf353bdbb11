"""Satisfaction (CSAT): one question to the requester per resolution (ask.py), their answer (rate.py)."""
