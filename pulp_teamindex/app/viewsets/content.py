"""REST viewsets for the content of team indexes: distribution files, yank markers, project
statuses and PEP 740 provenance."""

from django_filters import CharFilter
from pulpcore.plugin.serializers import ArtifactSerializer
from pulpcore.plugin.viewsets import (
    ContentFilter,
    ReadOnlyContentViewSet,
    SingleArtifactContentUploadViewSet,
)
from rest_framework.exceptions import APIException
from rest_framework.parsers import FormParser, JSONParser

from pulp_teamindex.app.distfiles import normalize_name
from pulp_teamindex.app.exceptions import PublishFailed
from pulp_teamindex.app.models import (
    PackageFile,
    ProjectStatus,
    Provenance,
    Yank,
)
from pulp_teamindex.app.serializers.index import (
    PackageFileSerializer,
    ProjectStatusContentSerializer,
    ProvenanceContentSerializer,
    YankContentSerializer,
)
from pulp_teamindex.app.upload.multipart import PlainFilenameMultiPartParser
from pulp_teamindex.app.upload.storing import store_artifact


def _by_project(queryset, name, value):
    """A project however its name is spelled (PEP 503 normalization)."""
    return queryset.filter(normalized_name=normalize_name(value))


# Markers made through a repository's actions: readable wherever their index is (pulpcore's
# queryset scoping), never written here.
READ_ONLY_POLICY = {
    "statements": [
        {"action": ["list", "retrieve"], "principal": "authenticated", "effect": "allow"},
    ],
    "queryset_scoping": {"function": "scope_queryset"},
}


class PackageFileFilter(ContentFilter):
    name = CharFilter(method=_by_project)

    class Meta:
        model = PackageFile
        fields = {
            "filename": ["exact", "in", "contains", "startswith"],
            "normalized_name": ["exact", "in"],
            "version": ["exact", "in"],
            "packagetype": ["exact", "in"],
            "sha256": ["exact", "in"],
        }


class PackageFileViewSet(SingleArtifactContentUploadViewSet):
    """Distribution files (wheels and sdists). Uploading with `repository` publishes the file
    into that team index: only the index's publisher may do it."""

    endpoint_name = "packages"
    queryset = PackageFile.objects.prefetch_related("_artifacts")
    serializer_class = PackageFileSerializer
    filterset_class = PackageFileFilter
    parser_classes = [JSONParser, FormParser, PlainFilenameMultiPartParser]

    DEFAULT_ACCESS_POLICY = {
        "statements": [
            {"action": ["list", "retrieve"], "principal": "authenticated", "effect": "allow"},
            {
                "action": ["create"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["may_upload_package"],
            },
            {
                "action": ["set_label", "unset_label"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["has_model_or_domain_perms:core.manage_content_labels"],
            },
        ],
        "queryset_scoping": {"function": "scope_queryset"},  # pulpcore's: readable indexes' units
    }

    def init_content_data(self, serializer, request):
        """A file is stored as twine's uploads are (`storing.store_artifact`: read back, within
        the object store's deadline, a 503 at once while the store is down), not by pulpcore's
        unbounded save. The task re-reads it under the name validated here, even when the
        client let it default to the uploaded file's name."""
        if "file" in request.data:
            payload = {k: v for k, v in request.data.items() if k != "file"}
            try:
                artifact = store_artifact(request.data["file"])
            except PublishFailed as exc:
                raise StoringFailed(exc) from exc
            href = ArtifactSerializer(artifact, context={"request": request}).data["pulp_href"]
            payload["artifact"] = href
        else:
            payload = super().init_content_data(serializer, request)
        payload["relative_path"] = serializer.validated_data["relative_path"]
        return payload


class StoringFailed(APIException):
    """A storage failure of a REST upload: its status (503, 507) and Retry-After (`wait`)."""

    def __init__(self, failure):
        super().__init__(detail=str(failure))
        self.status_code = failure.status
        self.wait = failure.retry_after


class YankViewSet(ReadOnlyContentViewSet):
    """Yank markers; created and removed through a repository's `yank` and `unyank`."""

    endpoint_name = "yanks"
    queryset = Yank.objects.all()
    serializer_class = YankContentSerializer
    filterset_fields = {"filename": ["exact", "in"]}
    DEFAULT_ACCESS_POLICY = READ_ONLY_POLICY


class ProjectStatusFilter(ContentFilter):
    project = CharFilter(method=_by_project)

    class Meta:
        model = ProjectStatus
        fields = {"normalized_name": ["exact", "in"], "status": ["exact", "in"]}


class ProjectStatusViewSet(ReadOnlyContentViewSet):
    """PEP 792 project statuses (filter with `repository_version` for an index's, `project`
    for one project's); set and cleared through a repository's `set_project_status`."""

    endpoint_name = "project_statuses"
    queryset = ProjectStatus.objects.all()
    serializer_class = ProjectStatusContentSerializer
    filterset_class = ProjectStatusFilter
    DEFAULT_ACCESS_POLICY = READ_ONLY_POLICY


class ProvenanceViewSet(ReadOnlyContentViewSet):
    """PEP 740 provenance of files (filter with `repository_version` for an index's, `filename`
    for one file's); made only by a trusted publisher's upload with attestations, and listed
    only for the indexes the caller may read, like every unit."""

    endpoint_name = "provenance"
    queryset = Provenance.objects.all()
    serializer_class = ProvenanceContentSerializer
    filterset_fields = {"filename": ["exact", "in"], "sha256": ["exact"]}
    DEFAULT_ACCESS_POLICY = READ_ONLY_POLICY
