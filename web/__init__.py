"""Plain Flask routes beside the Dash pages: login/logout, language, file downloads, the API."""
from flask import Flask


def register_routes(server: Flask, csrf) -> None:
    """Attach the non-Dash routes. Each module registers its blueprint here."""
    from . import export
    server.register_blueprint(export.bp)
    from . import exports
    server.register_blueprint(exports.bp)
    from . import weekly
    server.register_blueprint(weekly.bp)
