"""Authentication for the upload endpoint: HTTP Basic with a password or a publish token
(`__token__`), fast enough for CI that uploads hundreds of files in a row."""

import hashlib
import hmac
import time
from collections import OrderedDict
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.authentication import BasicAuthentication
from rest_framework.exceptions import AuthenticationFailed

from pulp_teamindex.app import rows
from pulp_teamindex.app.access import backoff, clients, login_failures
from pulp_teamindex.app.models import PublishToken
from pulp_teamindex.app.upload.tokens import TOKEN_USERNAME, digest_of, unusable_reason

VERIFIED_TTL = 300
LAST_USED_RESOLUTION = timedelta(minutes=1)  # a write per upload would slow CI for no gain
VERIFIED_MAX = 1024


class VerifiedPasswords:
    """Remembers, for a few minutes, that a password matched a user's stored hash.

    Django's PBKDF2 check costs about 170 ms, on every request of a twine run. The memo is
    keyed by an HMAC over the user, the *stored hash* and the password, so changing the
    password (which changes the stored hash) or deactivating the user takes effect at once.
    """

    def __init__(self):
        self._expiry = OrderedDict()

    @staticmethod
    def key(user, password):
        message = f"{user.pk}\0{user.password}\0{password}".encode()
        return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()

    def __contains__(self, key):
        expires = self._expiry.get(key)
        return expires is not None and expires > time.monotonic()

    def add(self, key):
        self._expiry[key] = time.monotonic() + VERIFIED_TTL
        self._expiry.move_to_end(key)
        while len(self._expiry) > VERIFIED_MAX:
            self._expiry.popitem(last=False)


_verified = VerifiedPasswords()


# A password remembered as verified is accepted at once only for an account without failed
# logins from this client (`access.backoff`): otherwise Django's full check, which applies the
# backoff, decides, and a success there clears the failures.
_ACTIVE_WITHOUT_FAILURES = "username = %s AND is_active AND " + login_failures.NONE_RECORDED


class BasicOrTokenAuthentication(BasicAuthentication):
    """Basic auth whose challenge names the index, so an anonymous twine gets a 401 it can
    answer with credentials; username `__token__` authenticates with a publish token."""

    www_authenticate_realm = "pulp_teamindex"

    def authenticate_credentials(self, userid, password, request=None):
        if userid == TOKEN_USERNAME:
            return self._token(password)
        client = clients.client_of(request) or ""
        params = [userid, backoff.account_key(userid), client]
        user = rows.first(get_user_model(), _ACTIVE_WITHOUT_FAILURES, params)
        if user is not None and _verified.key(user, password) in _verified:
            return user, None
        user, auth = super().authenticate_credentials(userid, password, request)
        _verified.add(_verified.key(user, password))
        return user, auth

    def _token(self, password):
        token = rows.first(PublishToken, "digest = %s", [digest_of(password)], joined="user")
        if token is None:
            raise AuthenticationFailed("Invalid API token.")
        if reason := unusable_reason(token, timezone.now()):
            raise AuthenticationFailed(reason)
        if not token.user.is_active:
            raise AuthenticationFailed("The token's user is inactive.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            PublishToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


_COVERS = "publishtoken_id = %s AND teamindexrepository_id = %s"


def token_refusal(request, repository):
    """A message when the request's token does not cover `repository`, else None."""
    token = request.auth
    if not isinstance(token, PublishToken):
        return None
    if token.scope != "publish":
        return f"API token {token.prefix}… may only read, not publish."
    covered = [token.pk, repository.pk]
    if not rows.exists(PublishToken.repositories.through, _COVERS, covered):
        return f"API token {token.prefix}… is not valid for index {repository.name!r}."
    return None


def uploader_of(request):
    """Who sent an upload, for the index's history: the account, and the token if one was used
    (its prefix leads to the token's listing, where a trusted publishing token shows the CI
    identity and run that obtained it)."""
    username = request.user.get_username()
    token = request.auth
    return f"{username} (token {token.prefix})" if isinstance(token, PublishToken) else username
