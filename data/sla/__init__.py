"""SLA: business calendars, policies, the clock over a ticket's timeline (and over a batch's, in numpy),
the store that loads timelines and writes results, the card's signal and the admin pages' service functions.
"""
