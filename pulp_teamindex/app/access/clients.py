"""The client address a login comes from, as the login backoff counts it (`backoff`).

The address is the peer of the connection: X-Forwarded-For is anybody's to write, so it is read
only when TEAMINDEX_CLIENT_PROXIES says that many reverse proxies stand in front and append to
it; the address the outermost of them saw is then the client. An IPv6 client counts as its /64,
the least a single host is usually given, so that one machine cannot pass for thousands.

The REST API and twine's endpoint have the peer in the Django request (REMOTE_ADDR). pulpcore's
content app builds the request it authenticates from the headers alone, so there the content
app's middleware (`login_backoff_content`) hands the address over in `CONTENT_REQUEST`.
"""

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings

IPV6_PREFIX = 64


@dataclass
class ContentRequest:
    """A content app request, as the backoff sees it: its client, and the refusal given."""

    client: str | None
    refusal: tuple | None = None  # (message, seconds) when the login was refused


CONTENT_REQUEST = ContextVar("teamindex_content_request", default=None)


def client_address(peer, forwarded_for, proxies):
    """The client's address (an IPv6 client's /64 network), or None when it is unknown."""
    if proxies > 0:
        hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            peer = hops[-proxies]
    return _normalized(_without_port(peer or ""))


def _without_port(address):
    """`[2001:db8::1]:443` and `192.0.2.1:443` (as some load balancers write them), bare."""
    if address.startswith("["):
        return address[1:].partition("]")[0]
    if address.count(":") == 1:
        return address.partition(":")[0]
    return address


def _normalized(address):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False))
    return str(ip)


def client_of(request):
    """The client address of a login's request (Django's, DRF's, or the content app's)."""
    content = CONTENT_REQUEST.get()
    if content is not None:
        return content.client
    meta = getattr(request, "META", None) or {}
    if "REMOTE_ADDR" not in meta:
        return None
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    return client_address(meta["REMOTE_ADDR"], forwarded, settings.TEAMINDEX_CLIENT_PROXIES)
