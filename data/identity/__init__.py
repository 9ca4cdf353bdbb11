"""Staff identity: accounts, passwords and the language each person chose.
"""
