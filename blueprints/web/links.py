"""Links that leave the page: in a text message, a QR code, a certificate, an API document.

They name PUBLIC_BASE_URL, the address residents use, never the request's Host header: whoever
sends a request chooses its Host, and a link built on it would send the next reader there."""

from flask import current_app


def public_url(path):
    """`path` (from url_for, or a path stored in a message) on the site's public address."""
    return current_app.config["PUBLIC_BASE_URL"] + path
