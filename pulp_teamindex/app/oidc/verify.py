"""Checking an OIDC identity token: its algorithm, signature, issuer, audience and times.

The issuer is read from the unverified token only to choose which configured issuer's keys to
check it with; a token from an issuer no policy names is refused before anything is fetched.
Whatever needs no signature is checked before the issuer's keys are looked up: a token with a
made-up key id sets off a key fetch only if it would be accepted, were its signature good.
"""

import jwt
from django.conf import settings
from jwt import exceptions as jwt_errors

from pulp_teamindex.app.oidc import OidcRefusal, keys

LEEWAY = 30  # seconds of clock difference tolerated between the issuer and this index
MAX_VALIDITY = 24 * 3600  # a token valid for longer is not a CI job's identity
REQUIRED = ["iss", "aud", "exp", "iat", "jti"]
MAX_TOKEN = 16 * 1024
# What PyJWT checks by default with a signature, asked for explicitly without one.
_CHECKED_UNSIGNED = ("verify_exp", "verify_nbf", "verify_iat", "verify_aud", "verify_iss")

_REFUSALS = (  # most specific first: PyJWT's errors subclass each other
    (jwt_errors.ExpiredSignatureError, "The token has expired."),
    (jwt_errors.ImmatureSignatureError, "The token is not valid yet (nbf)."),
    (
        jwt_errors.InvalidAudienceError,
        "The token is not meant for this index (aud): ask for {aud}.",
    ),
    (jwt_errors.InvalidIssuedAtError, "The token's issue time (iat) is not a number."),
    (jwt_errors.MissingRequiredClaimError, "The token lacks a required claim: {exc}."),
    (jwt_errors.InvalidSignatureError, "The token's signature does not verify."),
    (jwt_errors.InvalidTokenError, "The token is invalid: {exc}."),
)


def unverified_issuer(token):
    """The `iss` the token claims, unchecked; refused when the token is not a JWT at all."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
        raise OidcRefusal(
            "invalid-payload",
            f"Send the identity token as a string of at most {MAX_TOKEN} characters.",
            status=400,
        )
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt_errors.InvalidTokenError as exc:
        raise OidcRefusal("invalid-token", f"The token is not a JWT: {exc}.") from exc
    issuer = claims.get("iss")
    if not isinstance(issuer, str):
        raise OidcRefusal("invalid-token", "The token names no issuer (iss).")
    return issuer


def unsigned_claims(token, issuer, audiences):
    """The claims of `token` with all but its signature checked: algorithm, issuer, audience,
    required claims, times and validity. An exchange checks them before it asks for the issuer's
    keys, so that an expired or misdirected token with a made-up key id never sets off a fetch."""
    _header(token)
    return _decoded(token, None, None, issuer, audiences)


def verified_claims(token, issuer, audiences):
    """The claims of `token`, checked against `issuer`'s keys and one of `audiences`."""
    header = _header(token)
    _decoded(token, None, None, issuer, audiences)  # refused here, nothing is fetched
    key = keys.key_for(issuer, header.get("kid"))
    return _decoded(token, key.key, header["alg"], issuer, audiences)


def _decoded(token, key, alg, issuer, audiences):
    """The checked claims; without a key, everything but the signature is checked."""
    unsigned = {"verify_signature": False, **dict.fromkeys(_CHECKED_UNSIGNED, True)}
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[alg] if alg else None,
            audience=sorted(audiences),
            issuer=issuer,
            leeway=LEEWAY,
            options={"require": REQUIRED, **({} if key else unsigned)},
        )
    except jwt_errors.InvalidTokenError as exc:
        raise OidcRefusal("invalid-token", _explain(exc, audiences)) from exc
    if not isinstance(claims["exp"], int | float) or claims["exp"] - claims["iat"] > MAX_VALIDITY:
        raise OidcRefusal(
            "invalid-token", "The token is valid for more than a day; ask for a short-lived one."
        )
    return claims


def _header(token):
    try:
        header = jwt.get_unverified_header(token)
    except jwt_errors.InvalidTokenError as exc:
        raise OidcRefusal("invalid-token", f"The token is not a JWT: {exc}.") from exc
    allowed = settings.TEAMINDEX_OIDC_ALGORITHMS
    if header.get("alg") not in allowed:
        raise OidcRefusal(
            "invalid-token",
            f"The token is signed with {header.get('alg')!r}; "
            f"this index accepts {', '.join(allowed)}.",
        )
    return header


def _explain(exc, audiences):
    if isinstance(exc, jwt_errors.ImmatureSignatureError) and "(iat)" in str(exc):
        return "The token claims to be issued in the future (iat)."
    for kind, message in _REFUSALS:
        if isinstance(exc, kind):
            return message.format(exc=exc, aud=" or ".join(sorted(audiences)))
    return str(exc)
