"""The content app's part of the login backoff (`login_backoff`).

pulpcore's content app authenticates a Django request built from the headers alone, without the
client's address, and treats a request whose authentication fails as anonymous, so a refused
login would only get the usual challenge. This middleware, in front of pulpcore's, tells the
backoff the client's address and turns that challenge into a 429 that says why and how long.
`simple.handlers` calls it right in front of pulpcore's middlewares, on the full path only: an
answer from memory needs no login, so the hot path does not pay for it.
"""

from aiohttp import web
from django.conf import settings

from pulp_teamindex.app.access.clients import CONTENT_REQUEST, ContentRequest, client_address


@web.middleware
async def login_backoff(request, handler):
    forwarded = request.headers.get("X-Forwarded-For")
    proxies = settings.TEAMINDEX_CLIENT_PROXIES
    seen = ContentRequest(client_address(request.remote, forwarded, proxies))
    reset = CONTENT_REQUEST.set(seen)
    try:
        response = await handler(request)
    except web.HTTPUnauthorized:
        if seen.refusal is None:
            raise
        raise _too_many(seen.refusal) from None
    finally:
        CONTENT_REQUEST.reset(reset)
    if response.status == 401 and seen.refusal is not None:
        raise _too_many(seen.refusal)
    return response


def _too_many(refusal):
    message, seconds = refusal
    return web.HTTPTooManyRequests(text=message + "\n", headers={"Retry-After": str(seconds)})
