"""Boards: which boards a user may work on, their columns and lanes, a move as the board sends it,
and the board view (cards per column and lane).
"""
