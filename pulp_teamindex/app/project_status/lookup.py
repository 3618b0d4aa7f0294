"""Which status a page, a file download or an upload of a project meets in a team index."""

from pulpcore.plugin.models import RepositoryContent
from pulpcore.plugin.util import get_domain_pk

from pulp_teamindex.app import rows
from pulp_teamindex.app.models import ProjectStatus, members_of, packages_in
from pulp_teamindex.app.project_status.markers import (
    ACTIVE_MARKER,
    NO_UPLOADS,
    QUARANTINED,
    Marker,
)


def marker_in(version, project):
    """The status `version` gives `project` (normalized)."""
    found = members_of(version, ProjectStatus).filter(normalized_name=project)
    row = found.values_list("status", "reason").first()
    return Marker(*row) if row else ACTIVE_MARKER


def shown(version, project, latest):
    """The status pages and files of `version` show for `project`: the version's own, except
    that a quarantine in the latest version of any index of the deployment (this one's, for a
    view of its history) is shown everywhere. A quarantine is the incident switch: it must stop
    the installers that pin an old version, and the copies promoted or modified into other
    indexes, not only the latest version of the index that set it."""
    own = marker_in(version, project)
    if not own.offers_files:
        return own
    return quarantine_anywhere(project, version.repository_id) or own


# By the indexed name, then the unit's memberships in the latest versions; the index asking
# first, so that its own reason is shown where it has one.
QUARANTINED_ANYWHERE = """
    SELECT DISTINCT ON (s.normalized_name) s.normalized_name, s.reason, m.repository_id
      FROM teamindex_projectstatus s
      JOIN core_repositorycontent m ON m.content_id = s.content_ptr_id
     WHERE s.normalized_name = ANY(%s) AND s.status = %s AND s._pulp_domain_id = %s
       AND m.version_removed_id IS NULL
     ORDER BY s.normalized_name, m.repository_id = %s DESC"""


def quarantines_anywhere(projects, here):
    """{project: its quarantine} for those of `projects` quarantined in the latest version of
    any index of the current domain (`elsewhere` when not in the index `here`)."""
    params = [sorted(projects), QUARANTINED, get_domain_pk(), here]
    return {
        name: Marker(QUARANTINED, reason, elsewhere=repository_pk != here)
        for name, reason, repository_pk in rows.fetch(QUARANTINED_ANYWHERE, params)
    }


def quarantine_anywhere(project, here):
    """The quarantine of `project` in any index (see `quarantines_anywhere`), or None."""
    return quarantines_anywhere([project], here).get(project)


def _latest_units(repository_pk):
    """The units of the repository's latest version: memberships never closed (one indexed
    filter, where `latest_version()` would cost a query of its own)."""
    memberships = RepositoryContent.objects.filter(
        repository_id=repository_pk, version_removed__isnull=True
    )
    return memberships.values("content_id")


def quarantine_now(repository_pk, project):
    """The quarantine of `project` in the repository's latest version, or None."""
    found = ProjectStatus.objects.filter(
        pk__in=_latest_units(repository_pk), normalized_name=project, status=QUARANTINED
    )
    row = found.values_list("status", "reason").first()
    return Marker(*row) if row else None


def holds_project(repository, project):
    """Whether the index's latest version (with its journal) has files or a status of
    `project`: only such a project can be given a status."""
    latest = repository.latest_version()
    if packages_in(latest, True, normalized_name=project).exists():
        return True
    return members_of(latest, ProjectStatus).filter(normalized_name=project).exists()


# One statement: the statuses closing the projects in the index's latest version (when asked)
# and their quarantines in other indexes' latest versions, by the indexed name, then the unit's
# memberships; the index's own status first.
CLOSED = """
    SELECT DISTINCT ON (s.normalized_name) s.normalized_name, s.status, s.reason, m.repository_id
      FROM teamindex_projectstatus s
      JOIN core_repositorycontent m ON m.content_id = s.content_ptr_id
     WHERE s.normalized_name = ANY(%(names)s) AND s._pulp_domain_id = %(domain)s
       AND m.version_removed_id IS NULL
       AND ((%(own)s AND m.repository_id = %(here)s AND s.status = ANY(%(closing)s))
            OR (m.repository_id <> %(here)s AND s.status = %(quarantined)s))
     ORDER BY s.normalized_name, m.repository_id = %(here)s DESC"""


def closed_projects(repository, projects, version=None):
    """{project: the status closing it} for those of `projects` that take no new file in
    `repository`: archived or quarantined in `version` (by default the latest, read in the
    same statement), or quarantined in the latest version of another index of the domain.

    The one definition of the rule, for every path a file enters by (`upload.checks`, and the
    rules of every new version with `version`). A version that sets a status commits the
    status's membership before it completes, so an upload checked after that sees it."""
    params = {
        "names": sorted(set(projects)),
        "domain": get_domain_pk(),
        "own": version is None,
        "here": repository.pk,
        "closing": sorted(NO_UPLOADS),
        "quarantined": QUARANTINED,
    }
    closed = {
        name: Marker(status, reason, elsewhere=repository_pk != repository.pk)
        for name, status, reason, repository_pk in rows.fetch(CLOSED, params)
    }
    if version is not None:
        own = members_of(version, ProjectStatus).filter(
            normalized_name__in=params["names"], status__in=NO_UPLOADS
        )
        found = own.values_list("normalized_name", "status", "reason")
        closed.update((name, Marker(status, reason)) for name, status, reason in found)
    return closed


def quarantines_lifted(repository, base_version=None, added=(), removed=()):
    """The projects quarantined in the latest version that would not be after a version made
    from `base_version` (the latest when None), adding the units `added` and removing `removed`
    ("*": all), as a rollback or a modify does."""
    now = set(
        ProjectStatus.objects.filter(
            pk__in=_latest_units(repository.pk), status=QUARANTINED
        ).values_list("normalized_name", flat=True)
    )
    if not now:
        return set()
    kept = members_of(base_version or repository.latest_version(), ProjectStatus)
    kept = kept.none() if "*" in removed else kept.exclude(pk__in=list(removed))
    after = dict(kept.values_list("normalized_name", "status"))
    adding = ProjectStatus.objects.filter(pk__in=list(added))
    after.update(adding.values_list("normalized_name", "status"))
    return {name for name in now if after.get(name) != QUARANTINED}
