"""Which X-Forwarded-* headers are believed. Behind nginx (PROXY_COUNT), the client's address,
scheme and host come from the headers nginx sets, but only on a request that nginx passed on:
a request reaching gunicorn directly from anywhere else says what it likes in those headers, so
it is taken at its own address (the limits and the log name that) with its headers dropped."""

from ipaddress import ip_address, ip_network

from werkzeug.middleware.proxy_fix import ProxyFix

# Headers a proxy sets, dropped from a request that did not come through one. X-Request-Start
# is nginx's stamp (blueprints/web/queue_timeout.py).
FORWARDED = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_X_REQUEST_START",
)


def networks(text):
    """TRUSTED_PROXIES: addresses or networks, separated by commas ("127.0.0.1, 10.0.0.0/8")."""
    return [ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()]


class TrustedProxyFix:
    def __init__(self, app, count, trusted):
        self.app = app
        self.proxied = ProxyFix(app, x_for=count, x_proto=count, x_host=count)
        self.trusted = networks(trusted)

    def from_proxy(self, address):
        try:
            peer = ip_address(address)
        except ValueError:
            return False
        return any(peer in network for network in self.trusted)

    def __call__(self, environ, start_response):
        if self.from_proxy(environ.get("REMOTE_ADDR", "")):
            return self.proxied(environ, start_response)
        for name in FORWARDED:
            environ.pop(name, None)
        return self.app(environ, start_response)
