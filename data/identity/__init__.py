"""Staff identity: accounts, passwords and the language each person chose; sign-in with the company
directory (LDAP/AD) and its group → role/team mapping.
"""
