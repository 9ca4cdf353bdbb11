"""Okno's data layer: models, service functions and database plumbing. No Dash imports here."""
