"""What an index's web pages show, read from the database (run in a thread).

The project list is the simple API's (`simple/pages.project_list`: every project with a file
the version serves, without what the block list blocks), each with the release a person looks
for (PyPI's choice: the newest neither yanked nor a pre-release), its summary, and the status
the project's pages show (a quarantine in any index's latest version shows everywhere). A
project's page is its PyPI JSON document (`simple/project_json`), so it lists exactly the files
its simple page lists.
"""

from functools import lru_cache

from packaging.version import InvalidVersion, Version
from pulpcore.plugin.models import RepositoryVersion

from pulp_teamindex.app.blocklist import lookup as blocklist
from pulp_teamindex.app.models import ProjectStatus, Yank, members_of, packages_in
from pulp_teamindex.app.project_status import lookup as project_statuses
from pulp_teamindex.app.project_status.markers import ACTIVE
from pulp_teamindex.app.web.index_page import Listing, Project


def index_listing(version_pk, with_journal):
    """The Listing of a version of an index (with its journal for the latest)."""
    version = RepositoryVersion.objects.get(pk=version_pk)
    rows = packages_in(version, with_journal).values_list(
        "normalized_name", "name", "version", "filename", "summary"
    )
    files = {}
    for normalized, name, release, filename, summary in rows:
        files.setdefault(normalized, []).append((name, release, filename, summary))
    for blocked in blocklist.blocked_projects():
        files.pop(blocked, None)
    yanked = set(members_of(version, Yank).values_list("filename", flat=True))
    statuses = _statuses(version, list(files))
    projects = [
        _project(normalized, found, yanked, statuses.get(normalized))
        for normalized, found in sorted(files.items())
    ]
    return Listing(projects=tuple(projects))


def _statuses(version, names):
    """{project: (status, reason)} for the projects that are not active, as their pages show
    them: the version's own, a quarantine in any index's latest version over it."""
    if not names:
        return {}
    own = members_of(version, ProjectStatus).filter(normalized_name__in=names)
    found = {
        name: (status, reason)
        for name, status, reason in own.values_list("normalized_name", "status", "reason")
    }
    for name, marker in project_statuses.quarantines_anywhere(names, version.repository_id).items():
        found[name] = (marker.status, marker.reason)
    return found


def _project(normalized, files, yanked, status):
    """The Project row of one project from its (name, version, filename, summary) files."""
    releases = {}
    for name, release, filename, summary in files:
        releases.setdefault(release, []).append((name, filename, summary))
    shown = max(releases, key=lambda r: _preference(r, releases[r], yanked))
    name = releases[shown][0][0]
    summary = next((s for _n, _f, s in releases[shown] if s), "")
    state, reason = status or (ACTIVE, "")
    return Project(normalized, name, shown, summary, state, reason or "")


def _preference(release, files, yanked):
    """Higher is shown first: not yanked (some file is not), not a pre-release, newest."""
    all_yanked = all(filename in yanked for _n, filename, _s in files)
    return (not all_yanked, *_version_rank(release))


@lru_cache(maxsize=8192)
def _version_rank(release):
    """(not a pre-release, valid, Version, text): parsed once per distinct version string
    (most projects share their version strings; parsing is most of a list's cost)."""
    try:
        parsed = Version(release)
    except InvalidVersion:
        return (False, 0, Version("0"), release)
    return (not parsed.is_prerelease, 1, parsed, "")
