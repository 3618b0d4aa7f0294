"""The rules every new version of a team index must satisfy, whatever made it (upload,
promote, modify, import, rollback), and the news of it that the content apps get.

pulpcore calls `finalize_new_version` before a version is complete and `on_new_version` after;
the app config installs `RULES` and `LISTENERS` there.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from pulpcore.plugin.models import Content, RepositoryContent

from pulp_teamindex.app import change_feed, journal, locks
from pulp_teamindex.app.distfiles import parse_filename
from pulp_teamindex.app.exceptions import FilenameReuse, InvalidDistribution
from pulp_teamindex.app.models import PackageFile, ProjectStatus, Provenance, Yank, members_of
from pulp_teamindex.app.names.ownership import refuse_foreign_files
from pulp_teamindex.app.project_status import rules as status_rules
from pulp_teamindex.app.project_status.markers import QUARANTINED
from pulp_teamindex.app.provenance import versions as provenance_rules
from pulp_teamindex.app.upload import checks


def refuse_filename_reuse(repository, new_version):
    """A filename once in an index keeps its bytes forever, as on PyPI.

    Only the added files are checked, against every file the repository has ever held or
    accepted into its journal, so the cost follows the size of the change, not of the index.
    """
    added = PackageFile.objects.filter(pk__in=new_version.added().values("pk"))
    rows = list(added.values_list("filename", "sha256"))
    added_files = dict(rows)
    if len(added_files) < len(rows):
        raise FilenameReuse(
            "File already exists: one filename was added twice with different content."
        )
    if not added_files:
        return
    with transaction.atomic():
        locks.hold_index(repository.pk)  # an upload accepted meanwhile is seen, or sees this one
        clash = journal.filename_clash(repository, added_files)
    if clash:
        raise FilenameReuse(
            f"File already exists: {clash} is already in this index with different content. "
            "A published filename can never change; release a new version instead."
        )


def replace_older_yanks(repository, new_version):
    """One yank per filename: the newest reason wins."""
    added = Yank.objects.filter(pk__in=new_version.added().values("pk"))
    names = {y.filename: y.pk for y in added.only("filename")}
    if names:
        older = members_of(new_version, Yank).filter(filename__in=list(names))
        new_version.remove_content(older.exclude(pk__in=list(names.values())))


def refuse_what_may_not_enter(repository, new_version):
    """Every file a version brings into the index passes the checks an upload passes
    (`upload.checks`: blocked, closed), whatever made the version (promote, modify, import, a
    REST upload's task). Not a file the index held before (a rollback, a removed file restored:
    no new distribution), nor a fold, whose uploads passed them when they were accepted."""
    if getattr(new_version, "folds_journal", False):
        return
    added = PackageFile.objects.filter(pk__in=new_version.added().values("pk"))
    held_before = RepositoryContent.objects.filter(
        repository_id=repository.pk, content_id=OuterRef("pk")
    ).exclude(version_added=new_version)
    entering = added.exclude(Exists(held_before)).only("filename", "normalized_name", "sha256")
    checks.refuse(repository, list(entering), version=new_version)


def _changed_units(version):
    return Content.objects.filter(
        Q(version_memberships__version_added=version)
        | Q(version_memberships__version_removed=version)
    ).values("pk")


def touched_projects(version):
    """Normalized names of the projects whose files, yanks, provenance or statuses `version`
    added or removed, or None when that cannot be told (then every page is re-rendered)."""
    changed = _changed_units(version)
    projects = set(
        PackageFile.objects.filter(pk__in=changed).values_list("normalized_name", flat=True)
    )
    statuses = ProjectStatus.objects.filter(pk__in=changed)
    projects.update(statuses.values_list("normalized_name", flat=True))
    yanks = Yank.objects.filter(pk__in=changed).values_list("filename", flat=True)
    attested = Provenance.objects.filter(pk__in=changed).values_list("filename", flat=True)
    for filename in [*yanks, *attested]:
        try:
            projects.add(parse_filename(filename)[1])
        except InvalidDistribution:
            return None
    return projects


def quarantines_changed(version):
    """Projects whose quarantine `version` set or lifted: every view of the index, pinned
    versions too, shows them anew (`project_status.lookup.shown`)."""
    statuses = ProjectStatus.objects.filter(pk__in=_changed_units(version), status=QUARANTINED)
    return set(statuses.values_list("normalized_name", flat=True))


def announce(repository, version):
    """Content apps serve the newest version from memory: tell them which projects changed,
    so they re-render only those. A fold changes none: they served its files already."""
    if getattr(version, "folds_journal", False):
        change_feed.version_created(repository.pk, version.number, set())
        return
    projects, quarantines = touched_projects(version), quarantines_changed(version)
    change_feed.version_created(repository.pk, version.number, projects, quarantines)


# A filename keeps its bytes; a name stays with its owner (and is claimed here, by the version
# that publishes it); one yank per filename; one status per project; and no new file that an
# upload could not bring (blocked, or of an archived or quarantined project); a file's
# provenance stays beside it, and an index requiring provenance takes no new file without it.
RULES = (
    refuse_filename_reuse,
    refuse_foreign_files,
    replace_older_yanks,
    *status_rules.RULES,
    refuse_what_may_not_enter,
    *provenance_rules.RULES,
)
LISTENERS = (announce,)
