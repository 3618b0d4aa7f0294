"""API tokens for the publishing service account, presented the way twine does it: HTTP Basic
with the username `__token__` and the token as password.

A token is 32 random bytes; only its SHA-256 is stored, which is enough for a secret of that
entropy (a slow password hash protects guessable secrets, not random ones). The first
characters are kept in clear so a person can tell tokens apart in a listing.
"""

import hashlib
import secrets

TOKEN_USERNAME = "__token__"  # noqa: S105 (twine's convention, not a secret)
TOKEN_PREFIX = "pti_"  # noqa: S105
SHOWN_CHARS = 8


def new_token():
    """Return (token, digest, shown prefix) for a freshly generated token."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, digest_of(token), token[: len(TOKEN_PREFIX) + SHOWN_CHARS]


def digest_of(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def unusable_reason(token, now):
    """Why a stored token cannot authenticate now, or None when it can."""
    if token.revoked_at is not None:
        return "This API token has been revoked."
    if token.expires_at is not None and token.expires_at <= now:
        return "This API token has expired."
    return None
