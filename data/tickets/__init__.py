"""Tickets: create, move, assign, comment, block, query, the card page view, children, checklists,
attachments, escalation between support lines and the priority list.
"""
