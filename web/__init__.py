"""Plain Flask routes beside the Dash pages: login/logout, language, file downloads, the API."""
from flask import Flask


def register_routes(server: Flask, csrf) -> None:
    """Attach the non-Dash routes. Each module registers its blueprint here."""
    from web import api, approval, attachments, auth, export, faults, portal, rate, refusals, telegram_webhook
    faults.init(server)
    refusals.init(server)
    from web import landing
    landing.init(server)
    server.register_blueprint(export.bp)
    server.register_blueprint(attachments.bp)
    server.register_blueprint(portal.bp)
    server.register_blueprint(rate.bp)
    server.register_blueprint(approval.bp)
    server.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # token-authenticated, no cookies: CSRF cannot apply
    server.register_blueprint(telegram_webhook.bp)
    csrf.exempt(telegram_webhook.bp)  # Telegram authenticates with its secret-token header
    # Module-level lists shared by every app built in this process: add each entry once.
    for hook in (portal.portal_access, api.api_access, telegram_webhook.admits_webhook, rate.admits_rating_link,
                 approval.admits_approval_link):
        if hook not in auth.ACCESS_HOOKS:
            auth.ACCESS_HOOKS.append(hook)
    if ("/portal", "/portal/login") not in auth.LOGIN_REDIRECTS:
        auth.LOGIN_REDIRECTS.append(("/portal", "/portal/login"))

    @server.errorhandler(413)
    def too_large(_err):
        from flask import jsonify, request
        if request.path.startswith("/api/"):
            return jsonify(error="The request is too large", fields={"attachments": "too large"}), 413
        return "The upload is too large", 413
    from web import exports
    server.register_blueprint(exports.bp)
    from web import weekly
    server.register_blueprint(weekly.bp)
    from web import shortcuts
    server.register_blueprint(shortcuts.bp)
