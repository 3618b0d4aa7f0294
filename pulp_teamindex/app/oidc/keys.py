"""The signing keys of the issuers that trusted publisher policies name.

Keys come from the issuer's OpenID discovery document and its JWKS, both over HTTPS, each
fetch bounded in time and size. They are kept for TEAMINDEX_OIDC_KEYS_TTL seconds; a token
signed with a key not kept (the issuer rotated its keys) fetches them again, at most once per
TEAMINDEX_OIDC_KEYS_MIN_INTERVAL seconds per issuer, so that tokens with made-up key ids cannot
turn the index into a load generator against the issuer. A failed fetch is remembered for that
interval too: while an issuer is down, exchanges fail fast instead of each waiting for it.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from django.conf import settings
from jwt import PyJWKSet
from jwt.exceptions import PyJWKSetError

from pulp_teamindex.app.oidc import OidcRefusal

MAX_DOCUMENT = 1024 * 1024
DISCOVERY_PATH = "/.well-known/openid-configuration"


@dataclass
class _Kept:
    keys: dict = field(default_factory=dict)  # kid -> PyJWK
    fetched_at: float = float("-inf")  # last fetch that succeeded
    tried_at: float = float("-inf")  # last fetch, successful or not
    failure: str = ""


_kept = {}
_lock = threading.Lock()


def key_for(issuer, kid):
    """The key `issuer` signs with under `kid` (None: its only key); refused when unknown."""
    with _lock:
        kept = _kept.setdefault(issuer, _Kept())
        now = time.monotonic()
        stale = now - kept.fetched_at > settings.TEAMINDEX_OIDC_KEYS_TTL
        if (stale or _pick(kept.keys, kid) is None) and _may_fetch(kept, now):
            _refresh(issuer, kept, now)
        if (key := _pick(kept.keys, kid)) is not None:
            return key
        if kept.failure:
            raise OidcRefusal(
                "issuer-unavailable",
                f"The signing keys of {issuer} could not be fetched ({kept.failure}); retry "
                f"in {settings.TEAMINDEX_OIDC_KEYS_MIN_INTERVAL:.0f} seconds.",
                status=503,
                retry_after=int(settings.TEAMINDEX_OIDC_KEYS_MIN_INTERVAL),
            )
        raise OidcRefusal(
            "invalid-token", f"The token is signed with a key {issuer} does not publish ({kid!r})."
        )


def forget():
    """Drop every kept key (tests, and a changed issuer setup)."""
    with _lock:
        _kept.clear()


def _pick(keys, kid):
    if kid is None:
        return next(iter(keys.values())) if len(keys) == 1 else None
    return keys.get(kid)


def _may_fetch(kept, now):
    return now - kept.tried_at >= settings.TEAMINDEX_OIDC_KEYS_MIN_INTERVAL


def _refresh(issuer, kept, now):
    kept.tried_at = now
    try:
        kept.keys = fetch_keys(issuer)
    except OidcFetchError as exc:
        kept.failure = str(exc)
        return
    kept.fetched_at, kept.failure = now, ""


class OidcFetchError(Exception):
    pass


def fetch_keys(issuer):
    """{kid: PyJWK} of the keys `issuer` publishes now."""
    discovery = _get_json(issuer.rstrip("/") + DISCOVERY_PATH)
    if discovery.get("issuer") != issuer:
        raise OidcFetchError(f"its discovery document names issuer {discovery.get('issuer')!r}")
    jwks_uri = discovery.get("jwks_uri")
    if not isinstance(jwks_uri, str):
        raise OidcFetchError("its discovery document has no jwks_uri")
    try:
        keyset = PyJWKSet.from_dict(_get_json(jwks_uri))
    except PyJWKSetError as exc:
        raise OidcFetchError(f"its key set holds no usable key: {exc}") from exc
    return {key.key_id: key for key in keyset.keys}


def _get_json(url):
    if urlsplit(url).scheme != "https":
        raise OidcFetchError(f"{url} is not an https URL")
    deadline = time.monotonic() + settings.TEAMINDEX_OIDC_FETCH_TIMEOUT
    try:
        with requests.get(
            url,
            timeout=settings.TEAMINDEX_OIDC_FETCH_TIMEOUT,
            stream=True,
            allow_redirects=False,
            verify=settings.TEAMINDEX_OIDC_CA_BUNDLE or True,
            headers={"Accept": "application/json"},
        ) as response:
            if response.status_code != 200:
                raise OidcFetchError(f"{url} answered {response.status_code}")
            body = _read_bounded(response, deadline)
    except requests.RequestException as exc:
        raise OidcFetchError(f"{url}: {type(exc).__name__}") from exc
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise OidcFetchError(f"{url} did not answer JSON") from exc
    if not isinstance(document, dict):
        raise OidcFetchError(f"{url} did not answer a JSON object")
    return document


def _read_bounded(response, deadline):
    body = bytearray()
    for chunk in response.iter_content(64 * 1024):
        body += chunk
        if len(body) > MAX_DOCUMENT:
            raise OidcFetchError(f"{response.url} sent more than {MAX_DOCUMENT} bytes")
        if time.monotonic() > deadline:
            raise OidcFetchError(f"{response.url} took longer than the deadline")
    return bytes(body)
