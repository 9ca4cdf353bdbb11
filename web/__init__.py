"""Plain Flask routes beside the Dash pages: login/logout, language, file downloads, the API."""
from flask import Flask


def register_routes(server: Flask, csrf) -> None:
    """Attach the non-Dash routes. Each module registers its blueprint here."""
    from . import auth, export, telegram_webhook
    server.register_blueprint(export.bp)
    server.register_blueprint(telegram_webhook.bp)
    csrf.exempt(telegram_webhook.bp)  # Telegram authenticates with its secret-token header
    if telegram_webhook.admits_webhook not in auth.ACCESS_HOOKS:
        auth.ACCESS_HOOKS.append(telegram_webhook.admits_webhook)
