"""Request bodies of a team index's own actions: yank, unyank, remove, rollback, promote,
modify, import, set a project's status.

Promote and modify bring content from elsewhere into the index: the caller must be allowed to
read where it comes from (`readers`), and its names are claimed as an upload's are
(`ownership`), before the task is queued.
"""

from gettext import gettext as _
from pathlib import Path

from packaging.version import InvalidVersion, Version
from pulpcore.plugin.serializers import RepositoryAddRemoveContentSerializer
from pulpcore.plugin.util import get_domain, get_url
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from pulp_teamindex.app.access import readers
from pulp_teamindex.app.access.index_admin import administers
from pulp_teamindex.app.distfiles import normalize_name
from pulp_teamindex.app.models import PackageFile, packages_in
from pulp_teamindex.app.names.import_hosts import HostNotAllowed, check_url
from pulp_teamindex.app.names.ownership import refused_files
from pulp_teamindex.app.project_status import lookup as project_statuses
from pulp_teamindex.app.project_status import markers
from pulp_teamindex.app.provenance import lookup as provenance_lookup
from pulp_teamindex.app.serializers.fields import IndexField
from pulp_teamindex.app.serializers.index import NameConflict
from pulp_teamindex.app.tasks import importing


class FileSelectionSerializer(serializers.Serializer):
    """Which files of the latest version to act on (yank, unyank, remove, promote): a list of
    filenames, or a project (and a version) for a whole release at once."""

    filenames = serializers.ListField(child=serializers.CharField(), required=False)
    project = serializers.CharField(required=False)
    version = serializers.CharField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, data):
        latest = self.context["repository"].latest_version()
        if data.get("filenames"):
            files = packages_in(latest, True, filename__in=data["filenames"])
        elif data.get("project"):
            files = packages_in(latest, True, normalized_name=normalize_name(data["project"]))
        else:
            raise serializers.ValidationError(_("Give `filenames`, or `project` (and `version`)."))
        found = sorted(files.values_list("filename", "version"))
        if data.get("project") and data.get("version"):
            wanted = _parse_version(data["version"])
            found = [(f, v) for f, v in found if Version(v) == wanted]
        found = [f for f, _v in found]
        missing = set(data.get("filenames") or []) - set(found)
        if missing or not found:
            raise serializers.ValidationError(
                _("Not in the latest version of this index: {}").format(
                    ", ".join(sorted(missing)) or data.get("project")
                )
            )
        return {"filenames": found, "reason": data["reason"]}


def _parse_version(value):
    try:
        return Version(value)
    except InvalidVersion as exc:
        raise serializers.ValidationError({"version": _("Not a PEP 440 version.")}) from exc


class RollbackSerializer(serializers.Serializer):
    """Which earlier version the index should serve again (as a new version)."""

    version = serializers.IntegerField(min_value=0)

    def validate_version(self, number):
        version = self.context["repository"].versions.filter(number=number, complete=True).first()
        if version is None:
            raise serializers.ValidationError(_("This index has no version {}.").format(number))
        repository = self.context["repository"]
        lifted = project_statuses.quarantines_lifted(repository, base_version=version)
        refuse_lifting(self.context, lifted)
        return version


def refuse_lifting(context, lifted):
    """403 when a change would lift the quarantine of the projects `lifted` and the caller is
    not an admin or owner of the index: a quarantine answers an incident, which may be the
    publisher's account itself (PyPI too lets only its admins lift one)."""
    repository, user = context["repository"], context["request"].user
    if lifted and not administers(user, repository, get_domain()):
        raise PermissionDenied(markers.lifting_refusal(lifted))


class ProjectStatusSerializer(serializers.Serializer):
    """The PEP 792 status to give one project of the index: `archived`, `deprecated` or
    `quarantined` with an optional reason, or `active` (the default) to clear it."""

    project = serializers.CharField(max_length=255, help_text=_("A project of this index."))
    status = serializers.CharField(
        max_length=64, help_text=_("active, archived, deprecated or quarantined.")
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Why, shown to installers (at most {} characters).").format(markers.MAX_REASON),
    )

    def validate_status(self, value):
        if problem := markers.status_problem(value):
            raise serializers.ValidationError(problem)
        return value

    def validate(self, data):
        repository = self.context["repository"]
        if problem := markers.reason_problem(data["status"], data["reason"]):
            raise serializers.ValidationError({"reason": problem})
        project = normalize_name(data["project"])
        if not project_statuses.holds_project(repository, project):
            raise serializers.ValidationError(
                {
                    "project": _(
                        "Index {!r} has no project {!r}: a status is given to a project the "
                        "index holds files of."
                    ).format(repository.name, project)
                }
            )
        lifting = data["status"] != markers.QUARANTINED
        if lifting and project_statuses.quarantine_now(repository.pk, project) is not None:
            refuse_lifting(self.context, {project})
        return {"project": project, "status": data["status"], "reason": data["reason"]}


class PromoteSerializer(FileSelectionSerializer):
    """Copy files (a release, or named files) from another team index into this one."""

    source = IndexField(
        help_text=_("The team index to copy from, e.g. the team's staging index."),
    )

    def validate(self, data):
        target, source = self.context["repository"], data["source"].cast()
        if not readers.may_read(self.context["request"].user, source):
            raise PermissionDenied(
                _("You may not read index {!r}, so you may not promote from it.").format(
                    source.name
                )
            )
        self.context["repository"] = source
        selected = super().validate(data)
        latest = source.latest_version()
        packages = packages_in(latest, True, filename__in=selected["filenames"])
        refuse_taken_names(target, packages)
        # a file's provenance goes with it (`provenance.versions` keeps it beside the file)
        attested = provenance_lookup.units(latest, True, selected["filenames"])
        units = [*packages.values_list("pk", flat=True), *attested.values_list("pk", flat=True)]
        return {
            "packages": [str(pk) for pk in units],
            "filenames": selected["filenames"],
        }


class ModifyIndexSerializer(RepositoryAddRemoveContentSerializer):
    """pulpcore's modify, for an index: units to add and a base version must be readable by the
    caller, and the files they bring must not take names other indexes own."""

    def validate(self, data):
        data = super().validate(data)
        repository, user = self.context["repository"], self.context["request"].user
        adding = set(data.get("add_content_units") or [])
        if unreadable := readers.unreadable_units(user, adding):
            raise PermissionDenied(
                _("You may not read these content units, so you may not add them: {}").format(
                    ", ".join(sorted(unreadable))
                )
            )
        base = data.get("base_version")
        entering = PackageFile.objects.filter(pk__in=adding)
        if base is not None and base.repository_id != repository.pk:
            source = base.repository.cast()
            if not readers.may_read(user, source):
                raise PermissionDenied(
                    _("You may not read index {!r}, so you may not base a version on it.").format(
                        source.name
                    )
                )
            entering = entering | packages_in(base)
        refuse_taken_names(repository, entering)
        lifted = project_statuses.quarantines_lifted(
            repository, base, adding, set(data.get("remove_content_units") or [])
        )
        refuse_lifting(self.context, lifted)
        return data


def refuse_taken_names(repository, packages):
    """409 when one of `packages` would take a name another index owns (see ownership)."""
    if refusals := refused_files(repository, packages):
        raise NameConflict(" ".join(sorted(set(refusals.values()))))


class ImportSerializer(serializers.Serializer):
    """Where to import from: a server directory under ALLOWED_IMPORT_PATHS (every wheel and
    sdist in it, recursively), or the URL of a simple index (pulp_python, devpi, ...). A URL
    whose host an import may not reach (import_hosts) is a 400 here rather than a failed task."""

    path = serializers.CharField(required=False)
    url = serializers.URLField(required=False)

    def validate_path(self, value):
        if not Path(value).is_absolute() or not importing.allowed(value):
            raise serializers.ValidationError(
                _("{} is not under ALLOWED_IMPORT_PATHS.").format(value)
            )
        if not Path(value).is_dir():
            raise serializers.ValidationError(_("{} is not a directory.").format(value))
        return str(Path(value).resolve())

    def validate_url(self, value):
        if not value.startswith(("http://", "https://")):
            raise serializers.ValidationError(_("Give the index's simple API URL."))
        try:
            check_url(value)
        except HostNotAllowed as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value if value.endswith("/") else value + "/"

    def validate(self, data):
        if len(data) != 1:
            raise serializers.ValidationError(_("Give exactly one of `path` and `url`."))
        return data


class IndexUploadSerializer(serializers.Serializer):
    """One file the twine endpoint accepted: who, when, and the version holding it (null while
    it waits in the journal, served with the latest version)."""

    time = serializers.DateTimeField(source="pulp_created")
    filename = serializers.CharField()
    sha256 = serializers.CharField()
    user = serializers.CharField(source="uploader")
    repository_version = serializers.SerializerMethodField()

    def get_repository_version(self, row) -> str | None:
        if row.folded_number is None:
            return None
        return f"{get_url(row.repository)}versions/{row.folded_number}/"
