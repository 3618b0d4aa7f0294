"""Request bodies of a team index's own actions: yank, unyank, remove, rollback, promote,
import."""

from gettext import gettext as _
from pathlib import Path

from packaging.version import InvalidVersion, Version
from pulpcore.plugin.serializers import DetailRelatedField
from rest_framework import serializers

from . import importing
from .distfiles import normalize_name
from .models import TeamIndexRepository, packages_in


class FileSelectionSerializer(serializers.Serializer):
    """Which files of the latest version to act on (yank, unyank, remove, promote): a list of
    filenames, or a project (and a version) for a whole release at once."""

    filenames = serializers.ListField(child=serializers.CharField(), required=False)
    project = serializers.CharField(required=False)
    version = serializers.CharField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, data):
        latest = self.context["repository"].latest_version()
        files = packages_in(latest)
        if data.get("filenames"):
            files = files.filter(filename__in=data["filenames"])
        elif data.get("project"):
            files = files.filter(normalized_name=normalize_name(data["project"]))
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
        return version


class PromoteSerializer(FileSelectionSerializer):
    """Copy files (a release, or named files) from another team index into this one."""

    source = DetailRelatedField(
        view_name_pattern=r"repositories(-.*/.*)-detail",
        queryset=TeamIndexRepository.objects.all(),
        help_text=_("The team index to copy from, e.g. the team's staging index."),
    )

    def validate(self, data):
        self.context["repository"] = data["source"]
        selected = super().validate(data)
        packages = packages_in(data["source"].latest_version()).filter(
            filename__in=selected["filenames"]
        )
        return {
            "packages": [str(pk) for pk in packages.values_list("pk", flat=True)],
            "filenames": selected["filenames"],
        }


class ImportSerializer(serializers.Serializer):
    """Where to import from: a server directory under ALLOWED_IMPORT_PATHS (every wheel and
    sdist in it, recursively), or the URL of a simple index (pulp_python, devpi, ...)."""

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
        return value if value.endswith("/") else value + "/"

    def validate(self, data):
        if len(data) != 1:
            raise serializers.ValidationError(_("Give exactly one of `path` and `url`."))
        return data
