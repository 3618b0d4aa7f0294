"""Tasks: the only code that creates repository versions and publications."""

from django.db import transaction
from pulpcore.plugin.models import RepositoryVersion

from pulp_teamindex.app import journal
from pulp_teamindex.app.domains import domain_kwargs
from pulp_teamindex.app.models import (
    PackageFile,
    ProjectStatus,
    TeamIndexDistribution,
    TeamIndexPublication,
    TeamIndexRepository,
    Yank,
    members_of,
)
from pulp_teamindex.app.project_status.markers import ACTIVE
from pulp_teamindex.app.sweeper.sweeping import sweep
from pulp_teamindex.app.tasks.importing import import_directory, import_index


def publish(repository_version_pk):
    """Freeze a repository version as a publication that a distribution can be pinned to.

    The simple API is rendered from the version itself, so the publication stores no files:
    it is a named, immutable pointer that pulpcore's publication machinery understands.
    """
    version = RepositoryVersion.objects.get(pk=repository_version_pk)
    with TeamIndexPublication.create(version, pass_through=False):
        pass  # pulpcore records it among the task's created resources


def set_yanked(repository_pk, filenames, reason=None):
    """Yank `filenames` with `reason` (PEP 592), or unyank them when `reason` is None, in a new
    version of the repository."""
    repository = TeamIndexRepository.objects.get(pk=repository_pk)
    with repository.new_version() as version:
        current = members_of(version, Yank).filter(filename__in=filenames)
        if reason is None:
            version.remove_content(current)
            return
        here = domain_kwargs(Yank)
        units = [
            Yank.objects.get_or_create(filename=f, reason=reason, **here)[0].pk for f in filenames
        ]
        version.add_content(Yank.objects.filter(pk__in=units))


def set_project_status(repository_pk, project, status, reason=""):
    """Give `project` the PEP 792 `status` with `reason`, in a new version: a status unit that
    replaces the project's current one, or none at all for `active`, the default. Setting the
    status it already has makes no version."""
    repository = TeamIndexRepository.objects.get(pk=repository_pk)
    with repository.new_version() as version:
        current = members_of(version, ProjectStatus).filter(normalized_name=project)
        if status == ACTIVE:
            version.remove_content(current)
            return
        unit, _created = ProjectStatus.objects.get_or_create(
            normalized_name=project, status=status, reason=reason, **domain_kwargs(ProjectStatus)
        )
        version.add_content(ProjectStatus.objects.filter(pk=unit.pk))  # the rules drop the old


def remove_files(repository_pk, filenames):
    """A new version without `filenames` (and their yank markers; their provenance goes by
    `provenance.versions`). Older versions keep the files until they are deleted and orphan
    cleanup reclaims the bytes."""
    repository = TeamIndexRepository.objects.get(pk=repository_pk)
    with repository.new_version() as version:
        version.remove_content(members_of(version, PackageFile).filter(filename__in=filenames))
        version.remove_content(members_of(version, Yank).filter(filename__in=filenames))


def delete_index(repository_pk):
    """Remove a team index: the distributions serving it, then the repository, at once."""
    with transaction.atomic():
        for distribution in TeamIndexDistribution.objects.filter(repository_id=repository_pk):
            distribution.delete()
        repository = TeamIndexRepository.objects.get(pk=repository_pk)
        journal.forget_schedule(repository)
        repository.delete()


def fold_journal(repository_pk):
    """Fold the index's pending uploads into one version (see `journal`); uploads accepted
    while it ran are scheduled for the next."""
    repository = TeamIndexRepository.objects.filter(pk=repository_pk).first()
    if repository is not None:
        journal.fold(repository)
        journal.schedule_fold(repository, throttle=False)


def request_fold(repository_pk):
    """Run by pulpcore's scheduler, which reserves nothing: queue the fold, which holds the
    repository like every task that makes a version."""
    repository = TeamIndexRepository.objects.filter(pk=repository_pk).first()
    if repository is not None:
        journal.request_fold(repository)


def sweep_leftovers():
    """Run by pulpcore's scheduler every TEAMINDEX_SWEEP_INTERVAL seconds: remove what crashes
    left behind (`sweeper`)."""
    return sweep()


__all__ = ["import_directory", "import_index"]  # dispatched as tasks.<name>
