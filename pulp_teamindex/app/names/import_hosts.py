"""Which hosts an import by URL may reach (TEAMINDEX_IMPORT_ALLOWED_HOSTS).

The publisher names the URL, so without a rule a stolen publisher token would make the worker
fetch the API, the database port or a cloud metadata service, and the task's errors would say
which ports answer. An import therefore reaches public addresses only, plus the host names,
addresses and networks an admin named. The rule is decided on addresses (after DNS), since a
name proves nothing about where it points.

Every refusal reads the same whatever the port or the reason (forbidden address, or a name
that does not resolve), so the answer says nothing about what listens there.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from pulp_teamindex.app.exceptions import UpstreamError

SETTING = "TEAMINDEX_IMPORT_ALLOWED_HOSTS"


class HostNotAllowed(UpstreamError):
    """An import URL (or a redirect, or a file URL of its pages) leads to a host an import may
    not reach. A 400: the caller chose the URL."""

    def __init__(self, host):
        super().__init__(refusal(host), status=400)


def refusal(host):
    return (
        f"Host {host!r} is not allowed for imports: it is, or resolves to, a loopback, private, "
        f"link-local or reserved address, or it does not resolve. An admin may allow it in the "
        f"setting {SETTING}."
    )


class Allowed:
    """The setting, parsed: host names, and networks (an address is a network of one)."""

    def __init__(self, entries):
        self.names, networks = set(), []
        for entry in entries:
            text = str(entry).strip().strip("[]")
            try:
                networks.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                self.names.add(normal_name(text))
        self.networks = tuple(networks)

    @classmethod
    def configured(cls):
        return cls(getattr(settings, SETTING, None) or ())

    def names_host(self, host):
        return normal_name(host) in self.names

    def holds(self, ip):
        return any(ip.version == net.version and ip in net for net in self.networks)


def normal_name(host):
    return host.lower().rstrip(".")


def literal_address(host):
    """The IP address `host` is written as, or None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def address_allowed(address, allowed):
    """Whether an import may connect to `address` (text or ipaddress object)."""
    ip = ipaddress.ip_address(str(address).split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1 on a dual-stack socket
    return allowed.holds(ip) or public(ip)


def public(ip):
    """A globally reachable unicast address, and so is any IPv4 address it carries."""
    special = (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (ip.version == 6 and ip.is_site_local)
    )
    if special or not ip.is_global:
        return False
    return all(public(inner) for inner in _embedded_ipv4(ip))


def _embedded_ipv4(ip):
    """The IPv4 address an IPv6 one leads to (mapped, or 6to4's 2002:7f00:1::). NAT64's
    64:ff9b::/96 needs no unwrapping: ::/8, which holds it, is reserved."""
    if ip.version == 4:
        return []
    return [inner for inner in (ip.ipv4_mapped, ip.sixtofour) if inner is not None]


def host_allowed(host, addresses, allowed):
    """Whether an import may reach `host`, which resolved to `addresses`: a host named in the
    setting always; otherwise every address must be allowed (a name that resolved to nothing
    is not)."""
    if allowed.names_host(host):
        return True
    if (ip := literal_address(host)) is not None:
        return address_allowed(ip, allowed)
    return bool(addresses) and all(address_allowed(a, allowed) for a in addresses)


def check_url(url):
    """Raise HostNotAllowed unless an import may reach the host of `url` as it resolves now.
    For the REST call, so that a refused host is a 400 before any task; the task checks again
    on every connection (DNS may answer differently by then)."""
    host, allowed = urlsplit(url).hostname or "", Allowed.configured()
    named = allowed.names_host(host) or literal_address(host) is not None
    addresses = [] if named else _resolve(host)
    if not host_allowed(host, addresses, allowed):
        raise HostNotAllowed(host)


def _resolve(host):
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [sockaddr[0] for _family, _type, _proto, _name, sockaddr in found]
