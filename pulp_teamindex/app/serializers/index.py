"""REST representations of team indexes, their files, publications and distributions."""

import shutil
from dataclasses import asdict
from gettext import gettext as _
from tempfile import NamedTemporaryFile

from django.conf import settings
from django.db import transaction
from pulpcore.plugin.serializers import (
    DetailRelatedField,
    DistributionSerializer,
    NoArtifactContentSerializer,
    PublicationSerializer,
    RepositorySerializer,
    SingleArtifactContentUploadSerializer,
)
from pulpcore.plugin.util import get_domain
from rest_framework import serializers
from rest_framework.exceptions import APIException, PermissionDenied

from pulp_teamindex.app import endpoints
from pulp_teamindex.app.access import index_admin, readers
from pulp_teamindex.app.change_feed import BLOCK, FLUSH, notify_changed, unique_change
from pulp_teamindex.app.cooldown import rules as cooldown_rules
from pulp_teamindex.app.distfiles import check_bare_filename, inspect_distribution
from pulp_teamindex.app.domains import in_domain
from pulp_teamindex.app.exceptions import (
    FileBlocked,
    InvalidDistribution,
    NameTaken,
    ProjectClosed,
)
from pulp_teamindex.app.models import (
    PackageFile,
    ProjectStatus,
    Provenance,
    TeamIndexDistribution,
    TeamIndexPublication,
    TeamIndexRepository,
    Yank,
)
from pulp_teamindex.app.names.upstream_pages import absolute_url, redact
from pulp_teamindex.app.provenance import versions as provenance_rules
from pulp_teamindex.app.upload import checks
from pulp_teamindex.app.upload.refusals import record_refusal
from pulp_teamindex.app.web import deployment_page
from pulp_teamindex.app.web.deployment_page import reserved_base_path


class PackageFileSerializer(SingleArtifactContentUploadSerializer):
    """A distribution file. Uploading validates it fully before anything is stored."""

    relative_path = serializers.CharField(
        help_text=_(
            "The file name (wheel or .tar.gz sdist). Defaults to the uploaded file's name."
        ),
        required=False,
        write_only=True,
    )
    filename = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, help_text=_("Project name as in the metadata."))
    normalized_name = serializers.CharField(read_only=True)
    version = serializers.CharField(read_only=True)
    packagetype = serializers.CharField(read_only=True)
    requires_python = serializers.CharField(read_only=True)
    sha256 = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    upload_time = serializers.DateTimeField(read_only=True)
    metadata_sha256 = serializers.CharField(read_only=True)

    def validate_file_url(self, value):
        """Refused: the worker would fetch whatever address a publisher names, the API and
        other internal services among them, and the file would skip the checks an upload
        gets before anything is stored."""
        raise serializers.ValidationError(
            _(
                "file_url is not accepted by team indexes: Pulp does not fetch single files "
                "from URLs. Upload the file itself (`file`, or a chunked `upload`), or publish "
                "it with twine."
            )
        )

    def validate(self, data):
        """Inspect an uploaded file in the API process, so a bad file is refused with a 400
        before pulpcore stores it as an artifact, and the index's checks asked for a clear 409
        or 403; whatever the path (`upload`, `artifact`), the repository version checks again."""
        if (upload := data.get("file")) is not None:
            if upload.size > settings.TEAMINDEX_MAX_UPLOAD_SIZE:
                raise serializers.ValidationError(
                    {
                        "file": _(
                            "The file is larger than {} bytes (TEAMINDEX_MAX_UPLOAD_SIZE)."
                        ).format(settings.TEAMINDEX_MAX_UPLOAD_SIZE)
                    }
                )
            filename = data.setdefault("relative_path", upload.name)
            repository = data["repository"].cast() if data.get("repository") else None
            try:
                info = _inspect_or_400(upload.temporary_file_path(), filename)
                if repository is not None:
                    _may_enter_or_refused(repository, info)
            except (serializers.ValidationError, NameConflict, PermissionDenied) as exc:
                if repository is not None:
                    record_refusal(
                        repository,
                        filename,
                        exc.status_code,
                        str(exc.detail),
                        self.context["request"].user,
                    )
                raise
        elif "relative_path" not in data and "artifact" in data:
            raise serializers.ValidationError(
                {"relative_path": _("Give the file name when creating from an artifact.")}
            )
        request = self.context.get("request")  # None in the task, which re-validates
        if request is not None and (reason := readers.unusable_source(request.user, data)):
            raise PermissionDenied(reason)
        return super().validate(data)

    def deferred_validate(self, data):
        """Runs in the task: read the stored artifact and fill every field from the file."""
        data = super().deferred_validate(data)
        artifact = data["artifact"]
        filename = data["relative_path"]
        info = _inspect_or_400(_artifact_path(artifact), filename)
        data.update(asdict(info))
        return data

    def retrieve(self, validated_data):
        return in_domain(
            PackageFile.objects.filter(
                filename=validated_data["filename"], sha256=validated_data["sha256"]
            )
        ).first()

    class Meta:
        fields = SingleArtifactContentUploadSerializer.Meta.fields + (
            "filename",
            "name",
            "normalized_name",
            "version",
            "packagetype",
            "requires_python",
            "sha256",
            "size",
            "upload_time",
            "metadata_sha256",
        )
        model = PackageFile


def _artifact_path(artifact):
    """A local path to the artifact's bytes; tasks run in a scratch directory that pulpcore
    removes afterwards, so a copy from remote storage needs no cleanup of its own."""
    try:
        return artifact.file.path
    except NotImplementedError:
        with (
            artifact.file.open("rb") as src,
            NamedTemporaryFile(dir=".", delete=False) as dst,
        ):
            shutil.copyfileobj(src, dst)
        return dst.name


class NameConflict(APIException):
    status_code = 409
    default_code = "name_taken"


def _may_enter_or_refused(repository, info):
    """The checks every entering file passes (`upload.checks`), said before the file is
    stored: 409 for a name another index owns, 403 for a blocked file or a closed project (PEP
    792). The version rules check again in the task, whatever the path (`upload`, `artifact`)."""
    try:
        checks.refuse(repository, [info])
    except NameTaken as exc:
        raise NameConflict(str(exc)) from exc
    except (FileBlocked, ProjectClosed) as exc:
        raise PermissionDenied(str(exc)) from exc


def _inspect_or_400(path, filename):
    try:
        check_bare_filename(filename)
        return inspect_distribution(path, filename)
    except InvalidDistribution as exc:
        raise serializers.ValidationError({"file": str(exc)}) from exc


class YankContentSerializer(NoArtifactContentSerializer):
    """A yank marker: while a version holds it, `filename` is yanked with `reason`."""

    filename = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)

    class Meta:
        fields = NoArtifactContentSerializer.Meta.fields + ("filename", "reason")
        model = Yank


class ProjectStatusContentSerializer(NoArtifactContentSerializer):
    """A PEP 792 status: while a version holds it, project `normalized_name` is `status` (a
    project without one is active)."""

    normalized_name = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)

    class Meta:
        fields = NoArtifactContentSerializer.Meta.fields + ("normalized_name", "status", "reason")
        model = ProjectStatus


class ProvenanceContentSerializer(NoArtifactContentSerializer):
    """The PEP 740 provenance of the file `filename` with digest `sha256`, verified when a
    trusted publisher uploaded it; served to installers by the Integrity API."""

    filename = serializers.CharField(read_only=True)
    sha256 = serializers.CharField(read_only=True)
    provenance = serializers.JSONField(read_only=True)

    class Meta:
        fields = NoArtifactContentSerializer.Meta.fields + ("filename", "sha256", "provenance")
        model = Provenance


class UpstreamURLField(serializers.CharField):
    """An upstream's URL, written whole and shown with its credentials redacted: whoever may
    read an index may not read the password it uses upstream."""

    def to_representation(self, value):
        return redact(super().to_representation(value))


class TeamIndexRepositorySerializer(RepositorySerializer):
    """A team index. Creating one also creates the distribution that serves it (base path =
    name, unless given), so one call gives a working index; `publisher` names the one account
    that may publish to it."""

    publisher = serializers.CharField(
        help_text=_(
            "Username of the service account allowed to publish to this index. Empty means the "
            "deployment's TEAMINDEX_PUBLISHER setting."
        ),
        required=False,
        allow_null=True,
        allow_blank=True,
    )
    require_provenance = serializers.BooleanField(
        required=False,
        help_text=_(
            "Refuse every new file that comes without a valid PEP 740 attestation: uploads must "
            "come from a trusted publisher with attestations, and promoted or added files must "
            "bring their provenance. An owner's choice; default false."
        ),
    )
    base_path = serializers.CharField(
        write_only=True,
        required=False,
        help_text=_("Base path of the index's distribution; defaults to the index name."),
    )
    upstream = UpstreamURLField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=_(
            "Simple API URL of an upstream index (PyPI, another index). Projects that no index "
            "here owns, and that this index lacks, are served from it through a verified cache. "
            "Credentials in the URL are never shown: reads show them as ****, and writing the "
            "shown value back keeps them."
        ),
    )
    upstream_cooldown = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=_(
            "Minimum age of the upstream's files before this index lists or serves them: 0, or "
            "a whole number and a unit (s, m, h, d, w), e.g. 3d. Counted from the upstream's "
            "upload time, or from when this index first saw a file whose time is unknown. "
            "Null: the deployment's TEAMINDEX_UPSTREAM_COOLDOWN. The index's own files are "
            "never held back."
        ),
    )
    distribute = serializers.BooleanField(
        write_only=True,
        default=True,
        help_text=_("Create the distribution serving the index (default true)."),
    )
    distribution = serializers.SerializerMethodField(
        help_text=_("The distribution serving this index's latest version.")
    )
    index_url = serializers.SerializerMethodField(
        help_text=_("Simple API root for pip --index-url and uv --index-url.")
    )
    upload_url = serializers.SerializerMethodField(
        help_text=_("Legacy upload API URL for twine --repository-url.")
    )

    def _serving(self, obj):
        cache = self.context.setdefault("_serving_distributions", {})
        if obj.pk not in cache:
            cache[obj.pk] = (
                TeamIndexDistribution.objects.filter(repository_id=obj.pk)
                .select_related("pulp_domain")
                .order_by("pulp_created")
                .first()
            )
        return cache[obj.pk]

    def get_distribution(self, obj) -> str | None:
        dist = self._serving(obj)
        return (
            TeamIndexDistributionSerializer(dist, context=self.context).data["pulp_href"]
            if dist
            else None
        )

    def get_index_url(self, obj) -> str | None:
        dist = self._serving(obj)
        return endpoints.index_url(dist) if dist else None

    def get_upload_url(self, obj) -> str | None:
        dist = self._serving(obj)
        return endpoints.upload_url(dist, self.context.get("request")) if dist else None

    def validate(self, data):
        data = super().validate(data)
        request = self.context.get("request")  # None in the update task: checked before it
        fields = index_admin.admin_fields_changed(self.instance, data)
        if (
            fields
            and request is not None
            and not index_admin.is_index_admin(request.user, get_domain())
        ):
            raise PermissionDenied(index_admin.refusal(fields))
        if request is not None and provenance_rules.publisher_may_not_change(
            request.user, self.instance, data
        ):
            raise PermissionDenied(provenance_rules.PUBLISHER_REFUSAL)
        if self.instance is not None:  # creation-only: pulpcore compares every field on update
            data.pop("base_path", None)
            data.pop("distribute", None)
        elif data.get("distribute", True):
            self._distribution = TeamIndexDistributionSerializer(
                data={"name": data["name"], "base_path": data.get("base_path") or data["name"]},
                context=self.context,
            )
            self._distribution.is_valid(raise_exception=True)
        return data

    def create(self, validated_data):
        validated_data.pop("base_path", None)
        distribute = validated_data.pop("distribute", True)
        with transaction.atomic():
            repository = super().create(validated_data)
            if distribute:
                self._distribution.save(repository=repository)
        return repository

    def validate_upstream(self, value):
        if not value:
            return None
        current = self.instance.upstream if self.instance is not None else None
        if current and value == redact(current):
            return current  # the URL as shown, sent back unchanged
        if absolute_url(value, value) != value:
            raise serializers.ValidationError(_("Give the upstream's simple API URL (http[s])."))
        return value

    def validate_upstream_cooldown(self, value):
        if value is None or not value.strip():
            return None
        try:
            return cooldown_rules.normalized(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def update(self, instance, validated_data):
        """A changed (or removed) upstream forgets what the old one listed and fetched, and
        every content app forgets its pages: nothing of the old upstream is served after. A
        changed cooldown reaches every page and file before the task ends (confirmed)."""
        validated_data.pop("base_path", None)
        validated_data.pop("distribute", None)
        previous, cooldown = instance.upstream, instance.upstream_cooldown
        with transaction.atomic():
            repository = super().update(instance, validated_data)
            if repository.upstream != previous:
                repository.upstream_files.all().delete()
                repository.upstream_reads.all().delete()  # no stale page of the old one either
                notify_changed(FLUSH)
            elif repository.upstream_cooldown != cooldown:  # pages judged anew, confirmed
                notify_changed(unique_change(BLOCK), confirm=True)
        return repository

    class Meta:
        fields = RepositorySerializer.Meta.fields + (
            "publisher",
            "upstream",
            "upstream_cooldown",
            "require_provenance",
            "base_path",
            "distribute",
            "distribution",
            "index_url",
            "upload_url",
        )
        model = TeamIndexRepository


class TeamIndexPublicationSerializer(PublicationSerializer):
    """A frozen snapshot of one version of a team index."""

    distributions = DetailRelatedField(
        help_text=_("This publication is currently hosted as defined by these distributions."),
        source="distribution_set",
        view_name="teamindexdistributions-detail",
        many=True,
        read_only=True,
    )

    class Meta:
        model = TeamIndexPublication
        fields = PublicationSerializer.Meta.fields + ("distributions",)


class TeamIndexDistributionSerializer(DistributionSerializer):
    """Serves a team index; tells clients the URL pip reads and the URL twine uploads to."""

    publication = DetailRelatedField(
        required=False,
        help_text=_("Publication to be served (pins the index to that snapshot)."),
        view_name_pattern=r"publications(-.*/.*)?-detail",
        queryset=TeamIndexPublication.objects.exclude(complete=False),
        allow_null=True,
    )
    index_url = serializers.SerializerMethodField(
        help_text=_("Simple repository API root for pip --index-url and uv --index-url.")
    )
    upload_url = serializers.SerializerMethodField(
        help_text=_("Legacy upload API URL for twine --repository-url.")
    )

    def get_index_url(self, obj) -> str:
        return endpoints.index_url(obj)

    def get_upload_url(self, obj) -> str:
        return endpoints.upload_url(obj, self.context.get("request"))

    def validate_base_path(self, path):
        """Moving an index is an admin's decision (`index_admin`), refused before the path is
        checked for overlaps: the answer is the same whichever path is asked for."""
        request = self.context.get("request")  # None in the update task: checked before it
        if (
            request is not None
            and index_admin.moves(self.instance, path)
            and not index_admin.may_move(request.user, get_domain())
        ):
            raise PermissionDenied(index_admin.move_refusal(self.instance))
        if reserved_base_path(path):
            raise serializers.ValidationError(
                _("'{}' is the deployment page's path: choose another base path.").format(
                    deployment_page.PATH
                )
            )
        return super().validate_base_path(path)

    class Meta:
        fields = DistributionSerializer.Meta.fields + ("publication", "index_url", "upload_url")
        model = TeamIndexDistribution
