"""The answers of the deployment page, `<content prefix>[<domain>/]_indexes/` (`deployment_page`).

Anonymous readers get the public indexes; `?login=1` answers them with the Basic challenge a
private index's page answers, so a browser asks for a user name and password (or `__token__`
and a read token). A signed-in reader gets the public indexes and every guarded one whose
guard lets them in; a read token, only the indexes it names. Credentials that are not accepted
get the challenge again, behind the login backoff (the full path runs through it).

The list is read once per domain and remembered until anything changes (`memory.directories`);
who a reader is and which guards let them in is remembered like an index page's grant
(`memory.grants`, for the exact Authorization header, forgotten on any access change), so a
warm page costs no password hash and no database query. A search is remembered with the list
(by the indexes searched and the query), and forgotten with it.
"""

from aiohttp import web
from asgiref.sync import sync_to_async
from django.utils import timezone
from pulpcore.plugin.util import get_domain, set_domain

from pulp_teamindex.app.search import terms
from pulp_teamindex.app.search.query import search_in
from pulp_teamindex.app.simple import read_tokens
from pulp_teamindex.app.web import deployment_page, directory, markup
from pulp_teamindex.app.web.deployment_page import ANONYMOUS, LOGIN, Reader

ROUTE = "teamindex-deployment-page"  # the aiohttp route's name (`content.py`)
GRANT = "deployment-page"  # the grant cache's "guard" under which readers of this page are kept
RESULTS = 50  # search hits shown
REALM = 'Basic realm="pulp_teamindex"'
SIGN_IN = "Sign in with your user name and password (or __token__ and a read token).\n"
NOT_ACCEPTED = read_tokens.NOT_ACCEPTED + "\n"


def _domain_key(request):
    return request.match_info.get("pulp_domain", "")


async def from_memory(request, memory):
    """The page from memory, before pulpcore authenticates: for an anonymous reader once the
    list is known, for credentials recently let in; else None (the full path answers)."""
    found = memory.directories.get(_domain_key(request))
    if found is None or not request.path.endswith("/") or LOGIN in request.query:
        return None
    authorization = request.headers.get("Authorization")
    if not authorization:
        reader = ANONYMOUS
    elif (reader := memory.grants.allows(authorization, GRANT, _domain_key(request))) is None:
        return None
    set_domain(found.domain)
    return await _answer(request, memory, found, reader)


async def page(request, memory):
    """The full path, after pulpcore authenticated the request (in the login backoff)."""
    try:
        return await _page(request, memory)
    except web.HTTPException as exc:
        exc.headers.update(markup.SECURITY_HEADERS)
        raise


async def _page(request, memory):
    if not request.path.endswith("/"):
        raise web.HTTPMovedPermanently(request.path + "/")
    found = await _directory(request, memory)
    reader, lifetime = await _reader(request, found)
    authorization = request.headers.get("Authorization")
    if authorization:
        ticket = request["grant_ticket"]
        memory.grants.grant(authorization, GRANT, _domain_key(request), ticket, reader, lifetime)
    if LOGIN in request.query:  # signed in: the page itself, at its plain address
        raise web.HTTPSeeOther("./")
    return await _answer(request, memory, found, reader)


async def _directory(request, memory):
    found = memory.directories.get(_domain_key(request))
    if found is None:
        ticket = memory.directories.ticket()
        key = ("deployment", _domain_key(request))
        found = await memory.once(key, sync_to_async(directory.read), get_domain())
        memory.directories.put(_domain_key(request), found, ticket, memory.routes.trusted)
    return found


async def _reader(request, found):
    """(Reader, seconds its credentials have left or None); raises the challenge for a reader
    without accepted credentials who must sign in."""
    authorization = request.headers.get("Authorization")
    if not authorization:
        if LOGIN in request.query:
            raise web.HTTPUnauthorized(text=SIGN_IN, headers={"WWW-Authenticate": REALM})
        return ANONYMOUS, None
    scope = lifetime = None
    if secret := read_tokens.token_in(authorization):
        token, scope = await sync_to_async(directory.token_scope)(secret)
        if token is None:
            raise web.HTTPUnauthorized(text=scope + "\n", headers={"WWW-Authenticate": REALM})
        request["drf_request"].user = request["user"] = token.user
        if token.expires_at is not None:
            lifetime = (token.expires_at - timezone.now()).total_seconds()
    user = request.get("user")
    if user is None or not user.is_authenticated:
        raise web.HTTPUnauthorized(text=NOT_ACCEPTED, headers={"WWW-Authenticate": REALM})
    guards = await sync_to_async(directory.permitted_guards)(request, found.guards)
    return Reader(name=user.get_username(), guards=guards, scope=scope), lifetime


async def _answer(request, memory, found, reader):
    query = request.query.get("q")
    if reader is ANONYMOUS and query is None:
        html, status = found.anonymous_page(), 200
    else:
        shown = deployment_page.visible(found.entries, reader)
        hits, problem = await _search(memory, found, shown, query)
        status, html = deployment_page.render(shown, reader, query, hits, problem)
    headers = {
        **markup.SECURITY_HEADERS,
        "Cache-Control": ("public, " if reader is ANONYMOUS else "private, ")
        + "max-age=0, must-revalidate",
        "Vary": "Authorization",
    }
    return web.Response(
        text=html, status=status, headers=headers, content_type="text/html", charset="utf-8"
    )


async def _search(memory, found, shown, query):
    """(hits, problem) for `query` among the indexes shown, or ([], "") without one; remembered
    with the list (`found`), which any change forgets."""
    if query is None:
        return [], ""
    indexes = tuple(sorted({entry.repository_pk for entry in shown}))
    if (answer := found.searches.get((indexes, query))) is not None:
        return answer
    key = ("deployment-search", id(found), indexes, query)  # one reading for a burst
    answer = await memory.once(key, sync_to_async(_searched), indexes, query)
    found.remember_search((indexes, query), answer)
    return answer


def _searched(indexes, query):
    try:
        return search_in(indexes, query, RESULTS)["results"], ""
    except terms.BadQuery as exc:
        return [], str(exc)


def is_page(request):
    """Whether the request is for this page (its route matched)."""
    return request.match_info.route.name == ROUTE
