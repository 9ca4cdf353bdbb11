"""Tickets: create, move, assign, comment, block, query and filter, status over time, the card page view,
children, checklists, attachments, thread participants, escalation between support lines, the priority list,
tags, bulk actions on many tickets and saved views of the list.
"""
