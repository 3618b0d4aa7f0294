"""The failed-login backoff (`backoff`) applied to every password login.

The REST API (pulpcore's DRF Basic authentication), the content app (pulpcore's authentication
middleware, through DRF as well) and twine's upload endpoint (`upload.auth`) all end in Django's
`authenticate`, so the backoff is an authentication backend listed before every other one
(settings: AUTHENTICATION_BACKENDS), plus a receiver of Django's `user_login_failed` signal:

- While an account waits at a client address, the backend refuses its logins there before any
  backend checks the password. Through DRF the refusal is a 429 with the message and
  `Retry-After`; elsewhere (a Django login form) it is Django's own refusal of a login.
- A failure is counted by the receiver, from what the backend noted on the request (the
  account, the client, the wrong password's digest: Django hides the password from receivers).
- Django has no signal for a success over Basic auth, so when an account has failures on record
  the backend runs the other backends itself, and forgets the failures when they accept it.

A login whose client address is unknown (no request, or the content app without its
middleware, `login_backoff_content`) is left alone: counting all of them as one address would
let anyone lock everybody out. Publish and read tokens (`__token__`) are random secrets, not
guessable passwords, and are not counted either.
"""

import math
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.utils import timezone
from rest_framework.exceptions import APIException
from rest_framework.request import Request

from pulp_teamindex.app.access import backoff, clients, login_failures
from pulp_teamindex.app.upload.tokens import TOKEN_USERNAME

ATTEMPT = "_teamindex_login_attempt"  # what the backend notes on the request for the receiver
_deciding = ContextVar("teamindex_login_deciding", default=False)  # the backend's own pass


@dataclass
class Attempt:
    username: str  # `backoff.account_key` of the name sent
    client: str
    guess: str  # `backoff.guess_digest` of the password sent
    refused: bool = False


class LoginBackoff(APIException):
    """429 with `Retry-After` (DRF sends `wait` as that header)."""

    status_code = 429
    default_code = "login_backoff"

    def __init__(self, message, wait):
        super().__init__(message)
        self.wait = wait


class LoginBackoffBackend(BaseBackend):
    """Refuses an account at a client address while it waits there; never accepts anyone."""

    def authenticate(self, request, username=None, password=None, **credentials):
        if _deciding.get():
            return None  # the pass this backend runs itself: the others decide
        attempt = _attempt(request, username, password)
        if request is not None:
            setattr(request, ATTEMPT, attempt)
        if attempt is None:
            return None
        now = timezone.now()
        state = login_failures.load(attempt.username, attempt.client, now)
        if state is None:
            return None  # the other backends decide; the receiver counts a failure
        if (seconds := backoff.wait(state, now)) > 0:
            raise _refusal(request, attempt, seconds)
        if _decided(request, username, password, credentials) is None:
            raise PermissionDenied  # Django then signals the failure, once
        login_failures.forget(attempt.username, attempt.client)
        return None  # the other backends accept the user, as if there had been no failures


@receiver(user_login_failed, dispatch_uid="teamindex-login-backoff")
def _count_failure(sender, credentials=None, request=None, **kwargs):
    attempt = getattr(request, ATTEMPT, None)
    if attempt is None or attempt.refused or _deciding.get():
        return
    policy = backoff.Policy.from_settings(settings)
    login_failures.record_failure(
        attempt.username, attempt.client, attempt.guess, policy, timezone.now()
    )


def _attempt(request, username, password):
    """The attempt to hold to the backoff, or None for one it leaves alone."""
    if username is None or password is None or username == TOKEN_USERNAME:
        return None
    if not backoff.Policy.from_settings(settings).active:
        return None
    client = clients.client_of(request)
    if client is None:
        return None
    name = backoff.account_key(username)
    return Attempt(name, client, backoff.guess_digest(settings.SECRET_KEY, name, password))


def _decided(request, username, password, credentials):
    """The user the other backends accept for these credentials, or None."""
    token = _deciding.set(True)
    try:
        return authenticate(request, username=username, password=password, **credentials)
    finally:
        _deciding.reset(token)


def _refusal(request, attempt, seconds):
    """The exception refusing `attempt`: DRF's 429 where DRF answers, else Django's refusal.
    The content app answers it itself (`login_backoff_content`), so it is told too."""
    attempt.refused = True
    seconds = math.ceil(seconds)
    message = backoff.refusal_message(attempt.username, attempt.client, seconds)
    if (content := clients.CONTENT_REQUEST.get()) is not None:
        content.refusal = (message, seconds)
    if isinstance(request, Request):
        return LoginBackoff(message, seconds)
    return PermissionDenied(message)
