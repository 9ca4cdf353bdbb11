"""The weekly summary: its numbers, sentences, charts, the HTML/PDF file, subscriptions and delivery.
"""
