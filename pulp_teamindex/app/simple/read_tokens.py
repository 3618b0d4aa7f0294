"""Read tokens in the content app: HTTP Basic `__token__` with a read-scoped API token acts
as the token's user, on the indexes the token names only, so CI installs from a private index
without a person's password. The content guard still decides, as for the user's password."""

import base64
import binascii

from django.utils import timezone

from pulp_teamindex.app.models import PublishToken
from pulp_teamindex.app.upload.tokens import TOKEN_USERNAME, digest_of, unusable_reason

# Also the answer for a token scoped to other indexes, so that it cannot tell a private index it
# may not read from a missing one (the content app answers this for both).
NOT_ACCEPTED = "The user name, password or token was not accepted."
NOT_READ_TOKEN = "The API token was not accepted: it is not a read token."  # noqa: S105


def token_in(authorization):
    """The secret a Basic `__token__` header carries, or None for any other header."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return secret if user == TOKEN_USERNAME else None


def read_token(secret, repository_pk):
    """(token, None) when `secret` is a usable read token for the repository, else (None,
    why it is not)."""
    token = PublishToken.objects.select_related("user").filter(digest=digest_of(secret)).first()
    if token is None:
        return None, NOT_READ_TOKEN
    if why := usable(token):
        return None, why
    if not token.repositories.filter(pk=repository_pk).exists():
        return None, NOT_ACCEPTED
    return token, None


def usable(token):
    """Why `token` (found by its secret) may not read now, or None: a read token, unexpired,
    unrevoked, of an active user. Which indexes it reads is the caller's question."""
    if token.scope != "read":
        return NOT_READ_TOKEN
    if reason := unusable_reason(token, timezone.now()):
        return reason
    if not token.user.is_active:
        return "The token's user is inactive."
    return None
