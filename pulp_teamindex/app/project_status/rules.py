"""What every new version of a team index keeps true about project statuses, whatever made it
(setting a status, a rollback, a modify, a promote, an import, a REST upload). Installed with
the other rules by `versions.RULES`."""

from django.db.models import Exists, OuterRef
from pulpcore.plugin.models import RepositoryContent

from pulp_teamindex.app.exceptions import ProjectClosed, StatusConflict
from pulp_teamindex.app.models import PackageFile, ProjectStatus, members_of
from pulp_teamindex.app.project_status.lookup import quarantines_anywhere
from pulp_teamindex.app.project_status.markers import NO_UPLOADS, Marker, upload_refusal


def one_status_per_project(repository, new_version):
    """A project has exactly one status (PEP 792): the one a version adds replaces the one it
    had. pulpcore would do this from `repo_key_fields`, but a team index's
    `finalize_new_version` runs these rules instead."""
    added = list(
        ProjectStatus.objects.filter(pk__in=new_version.added().values("pk")).values_list(
            "normalized_name", "pk"
        )
    )
    newest = dict(added)
    if len(newest) < len(added):
        raise StatusConflict(
            "One change gave a project two statuses; a project has exactly one (PEP 792)."
        )
    if newest:
        older = members_of(new_version, ProjectStatus).filter(normalized_name__in=list(newest))
        new_version.remove_content(older.exclude(pk__in=list(newest.values())))


def refuse_files_of_closed_projects(repository, new_version):
    """An archived or quarantined project takes no new files (PEP 792), and a project
    quarantined in another index takes none here either: a promote or modify must not carry its
    bytes past the incident switch. A file the index held before (a rollback, a removed file
    restored) is no new distribution, and a fold brings uploads accepted while the project was
    open (the upload path refuses the later ones)."""
    if getattr(new_version, "folds_journal", False):
        return
    added = PackageFile.objects.filter(pk__in=new_version.added().values("pk"))
    names = set(added.values_list("normalized_name", flat=True))
    if not names:
        return
    closing = members_of(new_version, ProjectStatus).filter(
        normalized_name__in=list(names), status__in=NO_UPLOADS
    )
    rows = closing.values_list("normalized_name", "status", "reason")
    closed = {name: Marker(status, reason) for name, status, reason in rows}
    elsewhere = quarantines_anywhere(names, repository.pk).items()
    closed.update((name, marker) for name, marker in elsewhere if marker.elsewhere)
    if not closed:
        return
    held_before = RepositoryContent.objects.filter(
        repository_id=repository.pk, content_id=OuterRef("pk")
    ).exclude(version_added=new_version)
    new = added.filter(normalized_name__in=list(closed)).exclude(Exists(held_before))
    if project := new.values_list("normalized_name", flat=True).first():
        raise ProjectClosed(upload_refusal(project, repository.name, closed[project]))


RULES = (one_status_per_project, refuse_files_of_closed_projects)
