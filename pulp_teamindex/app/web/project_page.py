"""A project's page, from its PyPI JSON document (`simple/json_api.project_document`): its
status with the reason, the install command, facts and links, the README, every release with
its files (size, sha256, upload time, requires-python, yanked and why), and the clients'
configuration. Pure.

The document lists exactly the files the project's simple page lists (yanks, blocks, the
cooldown); a quarantined project keeps its releases but offers no file, and says why.
"""

from datetime import datetime

from packaging.version import InvalidVersion, Version

from pulp_teamindex.app.web import index_page, markup, readme, snippets
from pulp_teamindex.app.web.markup import esc

FILES_DIR = "packages/"  # where an index serves its files (models.PACKAGES_DIR)
_STATUS_WORDS = {
    "quarantined": "Quarantined: no file of this project is offered for download.",
    "deprecated": "Deprecated: its maintainers advise against using it.",
    "archived": "Archived: it takes no new release.",
}


def render(doc, label, urls, project):
    """The page of the project whose JSON document is `doc`, in the index called `label`;
    `urls` as in `index_page.render`; `project` its normalized name."""
    info = doc.get("info") or {}
    name = info.get("name") or project
    status = doc.get("project-status") or {}
    body = [
        f'<h1>{esc(name)} <span class="muted">{esc(info.get("version") or "")}</span></h1>',
        f"<p>{esc(info['summary'])}</p>" if info.get("summary") else "",
        _status_notice(status),
        _release_notice(info),
        _install(urls, project, status),
        _facts(info),
        _description(info),
        _releases(doc.get("releases") or {}, status, urls["index_url"]),
        _configuration(urls, label, project),
    ]
    title = f"{name} in {label}"
    crumbs = [("../../", label), (None, name)]
    return markup.page(title, crumbs, "\n".join(b for b in body if b), info.get("summary") or "")


def _install(urls, project, status):
    """The install command, unless the project offers no file (a quarantine)."""
    if status.get("status") == "quarantined":
        return ""
    command = snippets.install(urls["index_url"], project)
    return "<h2>Install</h2>\n" + markup.code_block(command, "pip install command")


def _status_notice(status):
    state = status.get("status")
    if not state or state == "active":
        return ""
    kind = " bad" if state == "quarantined" else ""
    words = _STATUS_WORDS.get(state, f"Status: {state}.")
    reason = f"<br>Reason: {esc(status['reason'])}" if status.get("reason") else ""
    return f'<p class="notice{kind}" role="note"><strong>{esc(words)}</strong>{reason}</p>'


def _release_notice(info):
    if not info.get("yanked"):
        return ""
    reason = f" Reason: {esc(info['yanked_reason'])}" if info.get("yanked_reason") else ""
    return (
        '<p class="notice" role="note"><strong>This release is yanked</strong>: installers '
        f"skip it unless it is pinned exactly.{reason}</p>"
    )


def _facts(info):
    rows = [
        ("Requires Python", esc(info.get("requires_python"))),
        ("License", esc(info.get("license_expression") or info.get("license"))),
        ("Author", esc(info.get("author") or info.get("author_email"))),
        ("Maintainer", esc(info.get("maintainer") or info.get("maintainer_email"))),
    ]
    links = info.get("project_urls") or {}
    for label, url in links.items() if isinstance(links, dict) else ():
        rows.append((esc(label), markup.external_link(url, url)))
    shown = [(k, v) for k, v in rows if v]
    if not shown:
        return ""
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in shown)
    return f'<h2>About</h2>\n<dl class="facts">{items}</dl>'


def _description(info):
    html = readme.render(info.get("description"), info.get("description_content_type"))
    if not html:
        return ""
    return f'<h2 id="ti-description">Description</h2>\n<div class="readme">{html}</div>'


def _releases(releases, status, index_url):
    parts = ["<h2>Releases and files</h2>"]
    if status.get("status") == "quarantined":
        parts.append('<p class="muted">Files are withheld while the project is quarantined.</p>')
    for version in sorted(releases, key=_version_order, reverse=True):
        parts.append(_release(version, releases[version], index_url))
    return "\n".join(parts)


def _version_order(version):
    try:
        return (1, Version(version), "")
    except InvalidVersion:
        return (0, Version("0"), version)


def _release(version, files, index_url):
    yanked = bool(files) and all(f.get("yanked") for f in files)
    badge = '<span class="badge">yanked</span>' if yanked else ""
    heading = f"<h3>{esc(version)}{badge}</h3>"
    if not files:
        return heading + '<p class="muted">No file offered.</p>'
    rows = "".join(_file_row(f, index_url) for f in files)
    return (
        f'{heading}<div class="scroll"><table><caption class="muted">Files of {esc(version)}'
        '</caption><thead><tr><th scope="col">File</th><th scope="col">Size</th>'
        '<th scope="col">Uploaded</th><th scope="col" class="opt">Requires Python</th>'
        f'<th scope="col">SHA-256</th></tr></thead><tbody>{rows}</tbody></table></div>'
    )


def file_href(url, index_url):
    """A file's link, relative to the project page (`<index>/project/<name>/`) when the file
    is the index's own (`<index>/packages/...`), so the page works behind any proxy or host
    name, as the simple pages do; else None (never a link elsewhere)."""
    base = index_url.rsplit("simple/", 1)[0]
    rest = url[len(base) :] if isinstance(url, str) and url.startswith(base) else ""
    if not rest.startswith(FILES_DIR) or "/" in rest[len(FILES_DIR) :]:
        return None
    return "../../" + rest


def _file_link(entry, index_url):
    href = file_href(entry.get("url"), index_url)
    filename = esc(entry.get("filename") or "")
    return f'<a href="{esc(href)}">{filename}</a>' if href else filename


def _file_row(entry, index_url):
    yanked = ""
    if entry.get("yanked"):
        reason = f": {esc(entry['yanked_reason'])}" if entry.get("yanked_reason") else ""
        yanked = f'<br><span class="badge">yanked</span>{reason}'
    digest = (entry.get("digests") or {}).get("sha256", "")
    return (
        f"<tr><td>{_file_link(entry, index_url)}{yanked}</td>"
        f'<td class="nowrap">{markup.size_text(entry.get("size"))}</td>'
        f"<td>{_time(entry.get('upload_time_iso_8601'))}</td>"
        f'<td class="opt">{esc(entry.get("requires_python") or "")}</td>'
        f"<td><code>{esc(digest)}</code></td></tr>"
    )


def _time(iso):
    """An ISO 8601 UTC time as a person reads it, machine-readable in <time>."""
    if not iso:
        return ""
    try:
        when = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return esc(iso)
    return f'<time datetime="{esc(iso)}">{when:%Y-%m-%d %H:%M} UTC</time>'


def _configuration(urls, label, project):
    name = snippets.source_name(label)
    found = snippets.for_index(urls["index_url"], urls["upload_url"], name, project)
    return "<h2>Use this index</h2>\n" + index_page.configuration_blocks(found)
