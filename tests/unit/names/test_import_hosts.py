"""Which hosts an import by URL may reach: public addresses, and what an admin named; never the
deployment's own loopback, private or link-local neighbours, however they are written."""

import asyncio
import http.server
import threading

import aiohttp
import pytest

from pulp_teamindex.app.names import import_hosts
from pulp_teamindex.app.names.import_connector import ImportConnector
from pulp_teamindex.app.names.import_hosts import (
    Allowed,
    HostNotAllowed,
    address_allowed,
    check_url,
    host_allowed,
)

NONE = Allowed([])

REFUSED = [
    "127.0.0.1",
    "127.0.0.2",
    "0.0.0.0",  # noqa: S104  (an address to refuse, not to bind)
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "169.254.169.254",  # cloud metadata
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",  # documentation
    "::1",
    "::",
    "fe80::1",
    "fe80::1%eth0",
    "fc00::1",
    "fd12:3456::1",
    "fec0::1",  # site-local
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "2001:db8::1",
]
PUBLIC = ["8.8.8.8", "151.101.0.223", "2a04:4e42::223", "::ffff:8.8.8.8", "2002:808:808::1"]


@pytest.mark.parametrize("address", REFUSED)
def test_internal_addresses_are_refused_by_default(address):
    assert not address_allowed(address, NONE)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address):
    assert address_allowed(address, NONE)


def test_named_addresses_and_networks_are_allowed_and_nothing_more():
    allowed = Allowed(["127.0.0.2", "10.1.0.0/16", "[::1]"])
    assert address_allowed("127.0.0.2", allowed)
    assert address_allowed("::ffff:127.0.0.2", allowed)  # the same address, mapped
    assert address_allowed("10.1.200.3", allowed)
    assert address_allowed("::1", allowed)
    assert not address_allowed("127.0.0.1", allowed)
    assert not address_allowed("10.2.0.1", allowed)


def test_a_name_needs_every_address_it_resolves_to_allowed():
    assert host_allowed("pypi.example", ["151.101.0.223", "2a04:4e42::223"], NONE)
    assert not host_allowed("pypi.example", ["151.101.0.223", "10.0.0.1"], NONE)
    assert not host_allowed("localhost", ["127.0.0.1", "::1"], NONE)
    assert not host_allowed("nowhere.example", [], NONE)  # unresolved: not allowed either


def test_a_named_host_is_allowed_whatever_it_resolves_to():
    allowed = Allowed(["Mirror.Corp.Example."])
    assert host_allowed("mirror.corp.example", ["10.0.0.5"], allowed)
    assert not host_allowed("other.corp.example", ["10.0.0.5"], allowed)


def test_literal_addresses_are_judged_as_addresses():
    assert not host_allowed("127.0.0.1", [], NONE)
    assert not host_allowed("[::1]", [], NONE)
    assert host_allowed("8.8.8.8", [], NONE)
    assert host_allowed("127.0.0.2", [], Allowed(["127.0.0.2"]))


@pytest.fixture
def nothing_allowed(monkeypatch):
    monkeypatch.setattr(import_hosts.Allowed, "configured", classmethod(lambda cls: NONE))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:24817/pulp/api/v3/",
        "http://127.0.0.1:5432/",
        "http://localhost:8080/simple/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:24817/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",  # 127.0.0.1 as one number, which getaddrinfo accepts
        "http://does-not-resolve.invalid/simple/",
    ],
)
def test_the_rest_check_refuses_with_one_message(nothing_allowed, url):
    with pytest.raises(HostNotAllowed) as refused:
        check_url(url)
    assert refused.value.status == 400
    assert "not allowed for imports" in str(refused.value)
    assert "TEAMINDEX_IMPORT_ALLOWED_HOSTS" in str(refused.value)


def test_the_message_does_not_depend_on_the_port(nothing_allowed):
    texts = set()
    for port in (24817, 5432, 1):
        with pytest.raises(HostNotAllowed) as refused:
            check_url(f"http://127.0.0.1:{port}/")
        texts.add(str(refused.value))
    assert len(texts) == 1


@pytest.fixture
def loopback_server():
    """A server on 127.0.0.1: /ok answers 200, /hop redirects to /ok, /away to 127.0.0.3."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path.endswith("/ok"):  # a proxy is asked for the whole URL
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                return
            target = "/ok" if self.path == "/hop" else "http://127.0.0.3:1/ok"
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()


def fetch(url, allowed):
    async def get():
        async with (
            aiohttp.ClientSession(connector=ImportConnector(allowed), trust_env=True) as session,
            session.get(url) as response,
        ):
            return response.status

    return asyncio.run(get())


def test_the_connector_refuses_a_loopback_name_and_address(loopback_server):
    port = loopback_server.split(":")[1]
    for url in (f"http://{loopback_server}/ok", f"http://localhost:{port}/ok"):
        with pytest.raises(HostNotAllowed):
            fetch(url, NONE)


def test_the_connector_follows_allowed_hops_and_refuses_the_others(loopback_server):
    assert fetch(f"http://{loopback_server}/hop", Allowed(["127.0.0.1"])) == 200
    assert fetch(f"http://{loopback_server}/hop", Allowed(["localhost", "127.0.0.1"])) == 200
    with pytest.raises(HostNotAllowed) as refused:
        fetch(f"http://{loopback_server}/away", Allowed(["127.0.0.1"]))
    assert "'127.0.0.3'" in str(refused.value)


def test_behind_a_proxy_the_proxy_is_reached_and_the_target_still_checked(
    loopback_server, monkeypatch
):
    port = loopback_server.split(":")[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://localhost:{port}")  # a name: resolved and trusted
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert fetch("http://8.8.8.8/ok", NONE) == 200  # answered by the proxy
    for target in ("http://127.0.0.1:1/ok", f"http://localhost:{port}/ok"):
        with pytest.raises(HostNotAllowed):
            fetch(target, NONE)
