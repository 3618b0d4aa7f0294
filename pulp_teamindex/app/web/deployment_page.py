"""The deployment's page, `<content prefix>[<domain>/]_indexes/`: the indexes a person may read,
and a search across them. Pure.

Each index's entry is rendered once, when the deployment's list of indexes is read (`directory`),
and a request only picks the entries its reader may see (`visible`) and joins them: the work per
request does not grow with the indexes a reader may not read, and nothing of theirs is ever
rendered into it, so neither the page nor its timing says much about them.
"""

from dataclasses import dataclass, field

from pulp_teamindex.app.search import terms
from pulp_teamindex.app.web import markup
from pulp_teamindex.app.web.markup import esc

PATH = "_indexes"  # the page's path segment, refused as any index's base path (its first segment)
LOGIN = "login"  # `?login=1`: the Basic challenge for a browser that sends no credentials yet
PUBLIC = None  # an entry's guard when none guards its distribution
OTHER_GUARD = "other"  # a guard this page cannot ask about (not RBAC): listed to nobody
TITLE = "Python package indexes"


@dataclass(frozen=True)
class Entry:
    """One distribution serving a team index, and its markup, made once."""

    repository_pk: str
    name: str
    base_path: str
    guard: str | None  # PUBLIC, an RBAC content guard's pk, or OTHER_GUARD
    web_url: str
    html: str


@dataclass(frozen=True)
class Reader:
    """Who asks: `guards` the RBAC guards that let them in, `scope` the indexes a read token
    names (None for a password or no credentials), `name` shown as signed in (None: nobody)."""

    name: str | None = None
    guards: frozenset = frozenset()
    scope: frozenset | None = None


ANONYMOUS = Reader()


def reserved_base_path(path):
    """Whether an index at base path `path` would sit at or under this page's path (whose route
    comes first: the index would never be reached)."""
    return (path or "").strip("/").split("/", 1)[0] == PATH


def entry(repository_pk, name, description, base_path, guard, projects, web_url, index_url):
    """The Entry of one index, its markup escaped here (names and descriptions are anyone's
    text: an index admin's, never trusted as markup)."""
    badge = "" if guard is PUBLIC else ' <span class="badge">private</span>'
    about = f"<br>{esc(description)}" if description else ""
    noun = "project" if projects == 1 else "projects"
    html = (
        f'<li><a href="{esc(web_url)}">{esc(name)}</a>{badge}'
        f' <span class="muted">{projects} {noun}</span>{about}'
        f'<br><span class="muted">pip index URL:</span> <code>{esc(index_url)}</code></li>'
    )
    return Entry(str(repository_pk), name, base_path, guard, web_url, html)


def visible(entries, reader):
    """The entries `reader` may read, in the directory's order: a public index (unless a read
    token limits them to the indexes it names), one whose RBAC guard lets them in."""
    return [
        e
        for e in entries
        if (e.guard is PUBLIC or (e.guard != OTHER_GUARD and e.guard in reader.guards))
        and (reader.scope is None or e.repository_pk in reader.scope)
    ]


def render(entries, reader, query=None, hits=None, problem=""):
    """(HTTP status, HTML) of the page for `reader`, listing `entries` (already `visible`),
    with the search `query` as typed and its `hits` (`search.query` results) or the `problem`
    with it."""
    status = 400 if problem else 200
    body = [
        f"<h1>{esc(TITLE)}</h1>",
        _who(reader),
        _search_form(query),
    ]
    if query is not None:
        pages = {e.web_url for e in entries}
        body.append(_results(query, hits or [], problem, pages))
    body.append(f"<h2>Indexes</h2>\n{_list(entries)}")
    return status, markup.page(TITLE, [(None, "Indexes")], "\n".join(body), TITLE)


def _who(reader):
    if reader.name is None:
        return (
            '<p class="muted">Public indexes are listed. '
            f'<a href="?{LOGIN}=1">Sign in to see private indexes</a> you may read.</p>'
        )
    token = " with a read token" if reader.scope is not None else ""
    return f'<p class="muted">Signed in as <strong>{esc(reader.name)}</strong>{token}.</p>'


def _search_form(query):
    value = esc(query or "")
    return (
        '<form method="get" action="./" role="search">'
        '<label for="q">Search every index listed here by project name or summary</label>'
        f'<input type="search" id="q" name="q" value="{value}" '
        f'minlength="{terms.MIN_LENGTH}" maxlength="{terms.MAX_LENGTH}">'
        '<button type="submit">Search</button></form>'
    )


def _results(query, hits, problem, pages):
    if problem:
        return f'<p class="notice bad" role="alert">{esc(problem)}</p>'
    noun = "project" if len(hits) == 1 else "projects"
    head = (
        f"<h2>Projects matching “{esc(query)}”</h2>"
        f'<p role="status">{len(hits)} {noun} found. <a href="./">Show all indexes</a></p>'
    )
    if not hits:
        return head
    return head + '<ul class="projects results">' + "".join(_hit(h, pages) for h in hits) + "</ul>"


def _hit(hit, pages):
    """A search hit, linked to its project's page in an index listed here (`pages`: their web
    URLs), and only there."""
    page = hit_page(hit, pages)
    name = esc(hit["name"])
    link = f'<a href="{esc(page)}">{name}</a>' if page else name
    summary = f"<br>{esc(hit['summary'])}" if hit["summary"] else ""
    return (
        f'<li>{link} <span class="muted">{esc(hit["version"])} in {esc(hit["index"])}</span>'
        f"{summary}</li>"
    )


def hit_page(hit, pages):
    """The web page of a hit's project, `<index>/project/<name>/`, from its simple API URL,
    when that index is among `pages` (web URLs); else None."""
    url = hit.get("index_url") or ""
    base = url[: -len("simple/")] if url.endswith("simple/") else None
    if base not in pages:
        return None
    return f"{base}project/{hit['normalized_name']}/"


def _list(entries):
    if not entries:
        return '<p class="muted">No index to show.</p>'
    return '<ul class="projects indexes">' + "".join(e.html for e in entries) + "</ul>"


@dataclass
class Directory:
    """The current domain's indexes, each entry rendered once; `guards` the RBAC guards among
    them by pk (what a signed-in reader is checked against); `public_page` the page of an
    anonymous reader without a query, rendered on first use; `searches` the answers of the
    searches made since."""

    domain: object
    entries: tuple
    guards: dict = field(default_factory=dict)
    public_page: str | None = None
    # search answers by (indexes searched, query): exact as long as the list is, since any
    # change forgets both; bounded, as the queries are anyone's
    searches: dict = field(default_factory=dict)

    def anonymous_page(self):
        if self.public_page is None:
            shown = visible(self.entries, ANONYMOUS)
            self.public_page = render(shown, ANONYMOUS)[1]
        return self.public_page

    def remember_search(self, key, answer, most=1000):
        if len(self.searches) >= most:
            self.searches.clear()
        self.searches[key] = answer
