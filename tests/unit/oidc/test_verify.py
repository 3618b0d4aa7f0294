"""A token refused on what needs no signature never makes the index look up (and so maybe
fetch) its issuer's keys: an expired or misdirected token with a made-up key id costs nothing."""

import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

from pulp_teamindex.app.oidc import OidcRefusal, keys, verify

if not settings.configured:
    settings.configure()

ISSUER = "https://issuer.example"
AUDIENCES = {"pulp-teamindex"}
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(autouse=True)
def no_key_lookup(monkeypatch):
    monkeypatch.setattr(settings, "TEAMINDEX_OIDC_ALGORITHMS", ["RS256", "ES256"], raising=False)

    def key_for(issuer, kid):
        raise AssertionError(f"the keys of {issuer} were looked up for {kid!r}")

    monkeypatch.setattr(keys, "key_for", key_for)


def _token(alg="RS256", **claims):
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": "pulp-teamindex",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, KEY, algorithm=alg, headers={"kid": "made-up"})


# Times as offsets from the moment each test runs (not from collection: a suite that runs the
# unit tests after the functional ones would otherwise see "future" times already past).
@pytest.mark.parametrize(
    ("offsets", "expected"),
    [
        ({"iat": -900, "nbf": -900, "exp": -300}, "has expired"),
        ({"nbf": 600}, "not valid yet"),
        ({"iat": 600}, "issued in the future"),
        ({"aud": "pypi"}, "(aud)"),
        ({"iss": "https://other.example"}, "invalid"),
        ({"jti": None}, "lacks a required claim"),
        ({"exp": 7 * 24 * 3600}, "valid for more than a day"),
    ],
)
def test_refused_before_any_key_is_looked_up(offsets, expected):
    now = int(time.time())
    times = ("iat", "nbf", "exp")
    claims = {k: now + v if k in times else v for k, v in offsets.items()}
    token = _token(**claims)
    for check in (verify.unsigned_claims, verify.verified_claims):
        with pytest.raises(OidcRefusal) as refused:
            check(token, ISSUER, AUDIENCES)
        assert expected in str(refused.value) and refused.value.status == 422


def test_an_algorithm_not_allowed_is_refused_before_any_key_is_looked_up():
    token = _token(alg="RS384")
    with pytest.raises(OidcRefusal, match="signed with 'RS384'"):
        verify.verified_claims(token, ISSUER, AUDIENCES)


def test_a_current_token_is_checked_against_its_issuers_key():
    claims = verify.unsigned_claims(_token(), ISSUER, AUDIENCES)
    assert claims["iss"] == ISSUER
    with pytest.raises(AssertionError, match="were looked up for 'made-up'"):
        verify.verified_claims(_token(), ISSUER, AUDIENCES)
