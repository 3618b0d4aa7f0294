"""What every new version of a team index keeps true about project statuses, whatever made it
(setting a status, a rollback, a modify, a promote, an import, a REST upload). Installed with
the other rules by `versions.RULES`, which also refuses new files of closed projects
(`upload.checks`)."""

from pulp_teamindex.app.exceptions import StatusConflict
from pulp_teamindex.app.models import ProjectStatus, members_of


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


RULES = (one_status_per_project,)
