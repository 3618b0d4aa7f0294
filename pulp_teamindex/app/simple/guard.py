"""Who may read a team index in the content app: pulpcore's content guard, read tokens, and
the answers a client can act on.

A private index and a missing one get the same answers, so that a caller who may not read an
index cannot learn that it exists: 401 with a challenge (pip's and uv's keyrings send
credentials only after one) without accepted credentials, 404 with them. A granted read is
remembered per credentials, guard and index (`memory.grants`)."""

from aiohttp import web
from asgiref.sync import sync_to_async
from django.utils import timezone
from pulpcore.plugin.content import Handler

from pulp_teamindex.app.downloads.book import ANONYMOUS, Reader
from pulp_teamindex.app.simple import paths, read_tokens

NO_INDEX = (
    "No index that you may read is served here: it does not exist, or it is private and your "
    "account has no role to read it (ask its admins for the downloader role on its content "
    "guard).\n"
)
NO_CREDENTIALS = (
    "This index is private or does not exist: send credentials (a user name and password or "
    "token).\n"
)
WRONG_CREDENTIALS = read_tokens.NOT_ACCEPTED + "\n"


def granted(request, route, grants):
    """Who these exact credentials are, if they were recently granted reading the route's
    index; else None."""
    authorization = request.headers.get("Authorization")
    if not (route.rbac_guard and authorization):
        return None
    return grants.allows(authorization, route.rbac_guard, route.repository_pk)


async def permit(request, distribution, route, grants):
    """pulpcore's content guard check, a read token's index scope first; raises the answer for
    a caller who may not read. A granted read is remembered for this index."""
    authorization = request.headers.get("Authorization")
    lifetime = token = None
    if route is not None and (secret := read_tokens.token_in(authorization)):
        token, why = await sync_to_async(read_tokens.read_token)(secret, route.repository_pk)
        if token is None:
            raise web.HTTPUnauthorized(text=f"{why}\n", headers=_challenge(request))
        request["drf_request"].user = request["user"] = token.user
        if token.expires_at is not None:
            lifetime = (token.expires_at - timezone.now()).total_seconds()
    try:
        guarded = await sync_to_async(Handler._permit)(request, distribution)
    except web.HTTPForbidden as exc:
        if route is None or not route.rbac_guard:
            raise  # another kind of guard: pulpcore's own answer
        raise no_index_here(request) from exc
    request["reader"] = reader = _reader(request, token)
    if guarded and route is not None and route.rbac_guard and authorization:
        ticket = request["grant_ticket"]
        grants.grant(authorization, route.rbac_guard, route.repository_pk, ticket, reader, lifetime)


def _reader(request, token):
    """Who pulpcore authenticated (and with which read token), for the download record."""
    user = request.get("user")
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    return Reader(user.get_username(), token.prefix if token is not None else "")


def no_index_here(request):
    """The answer for a path where the caller may read no index (missing, or private)."""
    user = request.get("user")
    if user is not None and user.is_authenticated:
        return web.HTTPNotFound(text=NO_INDEX)
    text = WRONG_CREDENTIALS if "Authorization" in request.headers else NO_CREDENTIALS
    return web.HTTPUnauthorized(text=text, headers=_challenge(request))


def _challenge(request):
    """Named after the index as the URL spells it, whether or not it exists (keyrings key
    credentials by URL, not by realm)."""
    target = paths.target(request)
    realm = target[1]["base"] if target else "pulp_teamindex"
    return {"WWW-Authenticate": f'Basic realm="{realm}"'}
