"""The email channel: Exchange (EWS) and IMAP mailboxes, MIME parsing, threading, loop protection,
mailbox import, inbound handling and outbound delivery.
"""
