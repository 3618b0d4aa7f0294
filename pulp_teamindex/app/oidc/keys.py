"""The signing keys of the issuers that trusted publisher policies name.

Keys come from the issuer's OpenID discovery document and its JWKS, both over HTTPS. One fetch
(both documents) ends within TEAMINDEX_OIDC_FETCH_TIMEOUT in all: every connect, TLS handshake,
write and read is given only what is left of that deadline, so an issuer that sends its answer
one byte at a time is cut off like one that sends nothing. Keys are kept for
TEAMINDEX_OIDC_KEYS_TTL seconds; a token signed with a key not kept (the issuer rotated its keys)
fetches them again, at most once per TEAMINDEX_OIDC_KEYS_MIN_INTERVAL seconds per issuer (counted
from the end of the last fetch), so that tokens with made-up key ids cannot turn the index into
a load generator against the issuer. A failed fetch is remembered for that interval too.

Fetches run in a thread of their own, one per issuer at a time, and never under the lock: an
exchange waits for a fetch it set off at most REQUEST_WAIT seconds, and an exchange that needs
keys while another's fetch is under way answers 503 with Retry-After at once. A request thread
is an API worker (gunicorn's are synchronous), so a slow issuer must not hold one for long. Kept
keys that went stale are still served while a background fetch renews them.
"""

import json
import logging
import math
import os
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import certifi
import requests
import urllib3
from django.conf import settings
from jwt import PyJWKSet
from jwt.exceptions import PyJWKSetError
from requests.adapters import HTTPAdapter
from urllib3.util.ssl_ import create_urllib3_context

from pulp_teamindex.app.oidc import OidcRefusal

MAX_DOCUMENT = 1024 * 1024
DISCOVERY_PATH = "/.well-known/openid-configuration"
REQUEST_WAIT = 1.0  # seconds an exchange waits for the fetch it set off (a healthy one is done)
log = logging.getLogger(__name__)


@dataclass
class _Flight:
    """A fetch under way: `done` is set when it ended, whatever the outcome."""

    deadline: float
    done: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Kept:
    keys: dict = field(default_factory=dict)  # kid -> PyJWK
    fetched_at: float = float("-inf")  # end of the last fetch that succeeded
    tried_at: float = float("-inf")  # end of the last fetch, successful or not
    failure: str = ""
    flight: _Flight | None = None


_kept = {}
_lock = threading.Lock()  # guards _kept; never held across network I/O


def key_for(issuer, kid):
    """The key `issuer` signs with under `kid` (None: its only key); refused when unknown."""
    with _lock:
        kept = _kept.setdefault(issuer, _Kept())
        if (key := _pick(kept.keys, kid)) is not None:
            _renew_if_stale(issuer, kept)
            return key
        flight = _start(issuer, kept) if kept.flight is None and _may_fetch(kept) else None
    if flight is not None:
        flight.done.wait(min(REQUEST_WAIT, settings.TEAMINDEX_OIDC_FETCH_TIMEOUT))
    with _lock:
        if (key := _pick(kept.keys, kid)) is not None:
            return key
        raise _refusal(issuer, kid, kept)


def forget():
    """Drop every kept key (tests, and a changed issuer setup); fetches under way end unheard."""
    with _lock:
        _kept.clear()


def _pick(keys, kid):
    if kid is None:
        return next(iter(keys.values())) if len(keys) == 1 else None
    return keys.get(kid)


def _may_fetch(kept):
    return time.monotonic() - kept.tried_at >= settings.TEAMINDEX_OIDC_KEYS_MIN_INTERVAL


def _renew_if_stale(issuer, kept):
    """Stale keys are served while they are renewed, so that no exchange waits for the issuer
    once a key it signs with is known."""
    stale = time.monotonic() - kept.fetched_at > settings.TEAMINDEX_OIDC_KEYS_TTL
    if stale and kept.flight is None and _may_fetch(kept):
        _start(issuer, kept)


def _start(issuer, kept):
    """Set off a fetch of `issuer`'s keys in a daemon thread (called under the lock)."""
    kept.flight = _Flight(time.monotonic() + settings.TEAMINDEX_OIDC_FETCH_TIMEOUT)
    threading.Thread(
        target=_fetch_into,
        args=(issuer, kept, kept.flight),
        name="teamindex-oidc-keys",
        daemon=True,
    ).start()
    return kept.flight


def _fetch_into(issuer, kept, flight):
    keys, failure = None, ""
    try:
        keys = fetch_keys(issuer, flight.deadline)
    except OidcFetchError as exc:
        failure = str(exc)
    except Exception as exc:  # a bug must not leave the issuer "being fetched" for ever
        log.exception("fetching the keys of %s failed", issuer)
        failure = type(exc).__name__
    finally:
        _land(kept, keys, failure)
        flight.done.set()


def _land(kept, keys, failure):
    with _lock:
        kept.tried_at, kept.flight, kept.failure = time.monotonic(), None, failure
        if keys is not None:
            kept.keys, kept.fetched_at = keys, kept.tried_at


def _refusal(issuer, kid, kept):
    """Why no key is at hand (called under the lock): a fetch under way or failed is the
    issuer's trouble (503, retry later), a fetched key set without `kid` is the token's."""
    now = time.monotonic()
    if kept.flight is not None:
        return _unavailable(
            f"The signing keys of {issuer} are being fetched", kept.flight.deadline - now
        )
    if kept.failure:
        retry = kept.tried_at + settings.TEAMINDEX_OIDC_KEYS_MIN_INTERVAL - now
        return _unavailable(
            f"The signing keys of {issuer} could not be fetched ({kept.failure})", retry
        )
    return OidcRefusal(
        "invalid-token", f"The token is signed with a key {issuer} does not publish ({kid!r})."
    )


def _unavailable(reason, retry_after):
    seconds = max(1, math.ceil(retry_after))
    return OidcRefusal(
        "issuer-unavailable",
        f"{reason}; retry in {seconds} seconds.",
        status=503,
        retry_after=seconds,
    )


class OidcFetchError(Exception):
    pass


def fetch_keys(issuer, deadline=None):
    """{kid: PyJWK} of the keys `issuer` publishes now, fetched by `deadline` (monotonic)."""
    if deadline is None:
        deadline = time.monotonic() + settings.TEAMINDEX_OIDC_FETCH_TIMEOUT
    with _session(deadline) as session:
        discovery = _get_json(session, issuer.rstrip("/") + DISCOVERY_PATH, deadline)
        if discovery.get("issuer") != issuer:
            raise OidcFetchError(f"its discovery document names issuer {discovery.get('issuer')!r}")
        jwks_uri = discovery.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise OidcFetchError("its discovery document has no jwks_uri")
        document = _get_json(session, jwks_uri, deadline)
    try:
        keyset = PyJWKSet.from_dict(document)
    except PyJWKSetError as exc:
        raise OidcFetchError(f"its key set holds no usable key: {exc}") from exc
    return {key.key_id: key for key in keyset.keys}


def _get_json(session, url, deadline):
    if urlsplit(url).scheme != "https":
        raise OidcFetchError(f"{url} is not an https URL")
    try:
        with session.get(
            url,
            timeout=_left(deadline),
            stream=True,
            allow_redirects=False,
            headers={"Accept": "application/json"},
        ) as response:
            if response.status_code != 200:
                raise OidcFetchError(f"{url} answered {response.status_code}")
            body = _read_bounded(response)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        if time.monotonic() >= deadline:
            timeout = settings.TEAMINDEX_OIDC_FETCH_TIMEOUT
            raise OidcFetchError(f"{url} did not answer within {timeout:g} s") from exc
        raise OidcFetchError(f"{url}: {type(exc).__name__}") from exc
    return _json_object(url, body)


def _read_bounded(response):
    if int(response.headers.get("Content-Length") or 0) > MAX_DOCUMENT:
        raise OidcFetchError(f"{response.url} is larger than {MAX_DOCUMENT} bytes")
    body = bytearray()
    for chunk in response.iter_content(64 * 1024):
        body += chunk
        if len(body) > MAX_DOCUMENT:
            raise OidcFetchError(f"{response.url} sent more than {MAX_DOCUMENT} bytes")
    return bytes(body)


def _json_object(url, body):
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise OidcFetchError(f"{url} did not answer JSON") from exc
    if not isinstance(document, dict):
        raise OidcFetchError(f"{url} did not answer a JSON object")
    return document


def _left(deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the deadline of the key fetch passed")
    return left


class _DeadlineSocket(ssl.SSLSocket):
    """A TLS socket that gives each handshake, read and write only what is left of its
    context's deadline. A socket timeout alone bounds one wait for a byte: an issuer that
    dribbles its answer (headers included) would hold the fetch for as long as it liked."""

    def do_handshake(self, block=False):
        self.settimeout(_left(self.context.deadline))
        return super().do_handshake(block)

    def read(self, len=1024, buffer=None):  # noqa: A002 (ssl.SSLSocket's signature)
        self.settimeout(_left(self.context.deadline))
        return super().read(len, buffer)

    def send(self, data, flags=0):
        self.settimeout(_left(self.context.deadline))
        return super().send(data, flags)


def trust_context():
    """A TLS client context trusting the public roots requests trusts (certifi's) plus
    TEAMINDEX_OIDC_CA_BUNDLE. The bundle adds to the roots, never replaces them: a deployment
    naming its cluster's CA for an in-cluster Kubernetes issuer must still reach GitHub's and
    GitLab's issuers."""
    context = create_urllib3_context()
    context.load_verify_locations(cafile=certifi.where())
    if bundle := settings.TEAMINDEX_OIDC_CA_BUNDLE:
        context.load_verify_locations(cafile=str(bundle))
    return context


class _DeadlineAdapter(HTTPAdapter):
    """requests' HTTPS with _DeadlineSocket, through a proxy (HTTPS_PROXY) too. Trust is the
    context's (`trust_context`): urllib3 loads no roots into a context it is given, and
    `cert_verify` keeps requests from loading certifi's a second time (40 ms a fetch)."""

    def __init__(self, deadline):
        self._context = trust_context()
        self._context.sslsocket_class = _DeadlineSocket
        self._context.deadline = deadline
        super().__init__(max_retries=0)

    def cert_verify(self, conn, url, verify, cert):
        conn.cert_reqs = "CERT_REQUIRED"  # always: verify is never turned off here
        extra = verify if isinstance(verify, str) else None  # REQUESTS_CA_BUNDLE adds, too
        in_dir = extra is not None and os.path.isdir(extra)
        conn.ca_certs, conn.ca_cert_dir = (None, extra) if in_dir else (extra, None)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, ssl_context=self._context, **kwargs)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        return super().proxy_manager_for(proxy, ssl_context=self._context, **proxy_kwargs)


def _session(deadline):
    session = requests.Session()
    session.mount("https://", _DeadlineAdapter(deadline))
    return session
