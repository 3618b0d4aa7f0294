"""The aiohttp connector of imports by URL: it connects only where import_hosts allows.

The rule is applied where the connection is made, not to the URL beforehand: aiohttp connects
to exactly the addresses the resolver returns, so a name that answers a public address to a
check and a loopback one to the connection (DNS rebinding) gains nothing, and every redirect
hop and every file URL of the pages passes through here too.

Behind a proxy (HTTP(S)_PROXY) the proxy, which an admin configured, is reached and resolves
the target itself: the target's name is checked here, but only the proxy can keep it from
being rebound, so it should refuse internal addresses as well.
"""

import socket

import aiohttp
from aiohttp.abc import AbstractResolver

from pulp_teamindex.app.names.import_hosts import (
    Allowed,
    HostNotAllowed,
    address_allowed,
    host_allowed,
    literal_address,
)


def connector():
    """A new connector for one import session (a connector belongs to one event loop)."""
    return ImportConnector(Allowed.configured())


class _CheckingResolver(AbstractResolver):
    """Resolves as aiohttp does, then refuses a host any of whose addresses is not allowed."""

    def __init__(self, allowed):
        self.allowed = allowed
        self.proxy = None  # the proxy host of the connection being made: trusted
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(self, host, port=0, family=socket.AF_INET):
        trusted = host == self.proxy or self.allowed.names_host(host)
        try:
            found = await self._inner.resolve(host, port, family)
        except OSError:
            if trusted:
                raise
            raise HostNotAllowed(host) from None  # the same answer as a forbidden address
        if not trusted and not host_allowed(host, [r["host"] for r in found], self.allowed):
            raise HostNotAllowed(host)
        return found

    async def close(self):
        await self._inner.close()


class ImportConnector(aiohttp.TCPConnector):
    """Checks the host of every request it connects (redirects included): a literal address
    here, since aiohttp does not resolve those; a name in the resolver."""

    def __init__(self, allowed):
        self._checking = _CheckingResolver(allowed)
        super().__init__(resolver=self._checking, use_dns_cache=False)

    async def connect(self, req, traces, timeout):
        host = req.url.raw_host or ""
        ip = literal_address(host)
        if ip is not None and not address_allowed(ip, self._checking.allowed):
            raise HostNotAllowed(host)
        proxy = req.proxy.raw_host if req.proxy is not None else None
        self._checking.proxy = None
        if ip is None and proxy is not None:  # the proxy resolves it: check it here first
            await self._checking.resolve(host, req.port or 0, socket.AF_UNSPEC)
        self._checking.proxy = proxy
        return await super().connect(req, traces, timeout)
