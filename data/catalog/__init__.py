"""The service catalog and its plumbing: services and request types (admin), reference lists,
mailboxes and their secrets, integration tokens for the web-form API.
"""
