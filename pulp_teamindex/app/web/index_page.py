"""An index's page: its projects, a search form (GET `?q=`) by name and summary, and the
clients' configuration. Pure.

A search uses the rules of the cross-index search (`search.terms`): the same query limits and
the same order (the name itself, names starting with the text, names holding it, then
summaries holding it, any case), over this index's projects only.
"""

from dataclasses import dataclass

from pulp_teamindex.app.search import terms
from pulp_teamindex.app.web import markup, snippets
from pulp_teamindex.app.web.markup import esc

MAX_SHOWN = 500  # projects listed at once; a search narrows a larger index
ACTIVE = "active"  # PEP 792's default status (project_status.markers.ACTIVE)


@dataclass(frozen=True)
class Project:
    normalized: str
    name: str
    version: str
    summary: str
    status: str = ACTIVE
    reason: str = ""


@dataclass(frozen=True)
class Listing:
    """An index's projects, remembered in the content app like a page."""

    projects: tuple
    source: str = "local"

    @property
    def cost(self):
        return 200 + sum(
            100 + len(p.name) + len(p.version) + len(p.summary) + len(p.reason)
            for p in self.projects
        )


def matching(projects, text):
    """The projects matching `text`, best first; raises terms.BadQuery."""
    query, _limit = terms.parse(text)
    needle = query.text.casefold()
    found = [p for p in projects if query.name in p.normalized or needle in p.summary.casefold()]
    return sorted(found, key=lambda p: (terms.rank(query, p.normalized), p.normalized))


def render(projects, label, urls, query=None):
    """The page of an index called `label` listing `projects` (listing.Project), or those
    matching `query` (as typed, maybe bad: the page then says how to fix it). `urls`: the
    index's `index_url` and `upload_url`. Returns (HTTP status, HTML)."""
    status, problem, shown = 200, "", list(projects)
    if query is not None:
        try:
            shown = matching(projects, query)
        except terms.BadQuery as exc:
            status, problem, shown = 400, str(exc), []
    body = [
        f"<h1>{esc(label)}</h1>",
        f'<p class="muted">{_count(len(projects), "project")} in this index.</p>',
        _install(urls["index_url"]),
        _search_form(query),
        _result_line(query, problem, len(shown)),
        _project_list(shown),
        _configuration(urls, label),
    ]
    title = f"{label}: Python package index"
    return status, markup.page(title, [(None, label)], "\n".join(body), title)


def _count(number, noun):
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _install(index_url):
    command = snippets.install(index_url, "<project>")
    return f"<h2>Install</h2>\n{markup.code_block(command, 'pip install command')}"


def _search_form(query):
    value = esc(query or "")
    return (
        '<form method="get" action="./" role="search">'
        '<label for="q">Search projects by name or summary</label>'
        f'<input type="search" id="q" name="q" value="{value}" '
        f'minlength="{terms.MIN_LENGTH}" maxlength="{terms.MAX_LENGTH}">'
        '<button type="submit">Search</button></form>'
    )


def _result_line(query, problem, found):
    if problem:
        return f'<p class="notice bad" role="alert">{esc(problem)}</p>'
    if query is None:
        return "<h2>Projects</h2>"
    return (
        f"<h2>Projects matching “{esc(query)}”</h2>"
        f'<p role="status">{_count(found, "project")} found. <a href="./">Show all</a></p>'
    )


def _project_list(projects):
    if not projects:
        return '<p class="muted">No project to show.</p>'
    items = [_project_item(p) for p in projects[:MAX_SHOWN]]
    more = ""
    if len(projects) > MAX_SHOWN:
        more = f'<p class="muted">The first {MAX_SHOWN} are shown: search to find others.</p>'
    return '<ul class="projects">' + "".join(items) + "</ul>" + more


def _project_item(project):
    summary = f"<br>{esc(project.summary)}" if project.summary else ""
    return (
        f'<li><a href="project/{esc(project.normalized)}/">{esc(project.name)}</a> '
        f'<span class="muted">{esc(project.version)}</span>{status_badge(project.status)}'
        f"{summary}</li>"
    )


def status_badge(status):
    """A PEP 792 status other than active, as a small label."""
    if not status or status == "active":
        return ""
    kind = " bad" if status == "quarantined" else ""
    return f'<span class="badge{kind}">{esc(status)}</span>'


def _configuration(urls, label):
    name = snippets.source_name(label)
    found = snippets.for_index(urls["index_url"], urls["upload_url"], name)
    return "<h2>Use this index</h2>\n" + configuration_blocks(found)


def configuration_blocks(found):
    """Each client's snippet in a disclosure widget (keyboard-usable, no script needed)."""
    return "\n".join(
        f'<details><summary>{esc(s.tool)} <span class="muted">({esc(s.where)})</span>'
        f"</summary>{markup.code_block(s.text, s.tool + ' configuration')}</details>"
        for s in found
    )
