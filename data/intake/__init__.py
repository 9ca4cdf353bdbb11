"""Submitting a request, whatever the channel: the request form, routing, fan-out into child cards,
requesters and their identities, portal PINs and what a requester sees in the portal.
"""
