"""REST viewsets for team indexes (repositories) and their versions, with the actions that
make new versions: yank, unyank, remove, modify, rollback, promote, import, set a project's
status."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from pulpcore.plugin.serializers import AsyncOperationResponseSerializer
from pulpcore.plugin.tasking import add_and_remove, dispatch
from pulpcore.plugin.viewsets import (
    OperationPostponedResponse,
    RepositoryVersionViewSet,
    RepositoryViewSet,
    RolesMixin,
)
from rest_framework.decorators import action
from rest_framework.response import Response

from pulp_teamindex.app import journal, tasks
from pulp_teamindex.app.access import readers
from pulp_teamindex.app.access.policies import (
    VIEW_ANY_AUTHENTICATED,
    admin_statements,
    owner_hook,
    owner_roles,
)
from pulp_teamindex.app.models import (
    TeamIndexRepository,
)
from pulp_teamindex.app.names import audit
from pulp_teamindex.app.names.upstream_pages import redact
from pulp_teamindex.app.serializers.actions import (
    FileSelectionSerializer,
    ImportSerializer,
    IndexUploadSerializer,
    ModifyIndexSerializer,
    ProjectStatusSerializer,
    PromoteSerializer,
    RollbackSerializer,
)
from pulp_teamindex.app.serializers.index import (
    TeamIndexRepositorySerializer,
)


class TeamIndexRepositoryViewSet(RepositoryViewSet, RolesMixin):
    """Team indexes. Admins create and remove them; only the publisher modifies their content.
    A user sees the indexes they may read (`readers`); others answer 404."""

    endpoint_name = "teamindex"
    queryset = TeamIndexRepository.objects.exclude(user_hidden=True)
    serializer_class = TeamIndexRepositorySerializer

    DEFAULT_ACCESS_POLICY = {
        "statements": [
            VIEW_ANY_AUTHENTICATED,
            {
                "action": ["create"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["has_model_or_domain_perms:teamindex.add_teamindexrepository"],
            },
            *admin_statements(
                "teamindexrepository",
                [
                    (["destroy"], "delete"),
                    (["update", "partial_update", "set_label", "unset_label"], "change"),
                    (["list_roles", "add_role", "remove_role"], "manage_roles"),
                ],
            ),
            {
                "action": [
                    "modify",
                    "yank",
                    "unyank",
                    "remove",
                    "rollback",
                    "promote",
                    "import_files",
                ],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["is_index_publisher"],
            },
            {  # PEP 792 statuses: the publisher, an owner or an admin (only the last two
                # lift a quarantine: `ProjectStatusSerializer`)
                "action": ["set_project_status"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["is_index_publisher"],
            },
            {
                "action": ["set_project_status"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": [
                    "has_model_or_domain_or_obj_perms:teamindex.change_teamindexrepository"
                ],
            },
            {  # the audit (and folding, which changes nothing served): publisher and admins
                "action": ["shadowed", "refusals", "uploads", "fold"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["is_index_publisher"],
            },
            {
                "action": ["shadowed", "refusals", "uploads", "fold"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": [
                    "has_model_or_domain_or_obj_perms:teamindex.change_teamindexrepository"
                ],
            },
        ],
        "creation_hooks": owner_hook("teamindexrepository"),
        "queryset_scoping": {"function": "scope_queryset"},
    }
    LOCKED_ROLES = owner_roles(
        "teamindexrepository", ["view", "change", "delete", "manage_roles", "repair"]
    )

    def scope_queryset(self, qs):
        return qs.filter(pk__in=readers.readable_repositories(self.request.user).values("pk"))

    @extend_schema(
        description="Create a new version by adding and removing content units (pulpcore's "
        "modify). Units to add and a base version must be readable by the caller, and their "
        "names must not belong to another index.",
        summary="Modify Repository Content",
        responses={202: AsyncOperationResponseSerializer},
    )
    @action(detail=True, methods=["post"], serializer_class=ModifyIndexSerializer)
    def modify(self, request, pk, **kwargs):
        repository = self.get_object()
        change = self._validated(ModifyIndexSerializer, request, repository)
        base = change.get("base_version")
        return self._dispatch(
            request,
            add_and_remove,
            repository,
            add_content_units=change.get("add_content_units", []),
            remove_content_units=change.get("remove_content_units", []),
            base_version_pk=str(base.pk) if base else None,
            overwrite=change.get("overwrite", True),
        )

    @extend_schema(
        description="Yank files (PEP 592): installers skip them unless pinned exactly.",
        responses={202: AsyncOperationResponseSerializer},
    )
    @action(detail=True, methods=["post"], serializer_class=FileSelectionSerializer)
    def yank(self, request, pk, **kwargs):
        return self._set_yanked(request, unyank=False)

    @extend_schema(
        description="Unyank files: they are offered to installers again.",
        responses={202: AsyncOperationResponseSerializer},
    )
    @action(detail=True, methods=["post"], serializer_class=FileSelectionSerializer)
    def unyank(self, request, pk, **kwargs):
        return self._set_yanked(request, unyank=True)

    @extend_schema(
        description="Set a project's PEP 792 status: archived (no more uploads), deprecated, "
        "quarantined (no uploads, no file served: the incident switch) or active (the default) "
        "with an optional reason, as a new version. Lifting a quarantine needs an admin or an "
        "owner of the index.",
        summary="Set a project's status",
        responses={202: AsyncOperationResponseSerializer},
    )
    @action(detail=True, methods=["post"], serializer_class=ProjectStatusSerializer)
    def set_project_status(self, request, pk, **kwargs):
        repository = self.get_object()
        change = self._validated(ProjectStatusSerializer, request, repository)
        return self._dispatch(request, tasks.set_project_status, repository, **change)

    @extend_schema(
        description="Remove files or a release: a new version without them.",
        responses={202: AsyncOperationResponseSerializer},
    )
    @action(detail=True, methods=["post"], serializer_class=FileSelectionSerializer)
    def remove(self, request, pk, **kwargs):
        repository = self.get_object()
        selection = self._validated(FileSelectionSerializer, request, repository)
        return self._dispatch(
            request, tasks.remove_files, repository, filenames=selection["filenames"]
        )

    @extend_schema(
        description="Serve an earlier version again, as a new version (history is kept).",
        responses={202: AsyncOperationResponseSerializer},
    )
    @action(detail=True, methods=["post"], serializer_class=RollbackSerializer)
    def rollback(self, request, pk, **kwargs):
        repository = self.get_object()
        target = self._validated(RollbackSerializer, request, repository)["version"]
        return self._dispatch(
            request,
            add_and_remove,
            repository,
            add_content_units=[],
            remove_content_units=[],
            base_version_pk=str(target.pk),
        )

    @extend_schema(
        description="Copy a release (or files) from another team index, keeping hashes and "
        "upload times. Needs this index's publisher.",
        responses={202: AsyncOperationResponseSerializer},
    )
    @action(detail=True, methods=["post"], serializer_class=PromoteSerializer)
    def promote(self, request, pk, **kwargs):
        repository = self.get_object()
        selection = self._validated(PromoteSerializer, request, repository)
        return self._dispatch(
            request,
            add_and_remove,
            repository,
            add_content_units=selection["packages"],
            remove_content_units=[],
        )

    @extend_schema(
        description="Fold the uploads accepted since the latest version into a new version "
        "now (they are served already; this fixes them in the history at once).",
        responses={202: AsyncOperationResponseSerializer},
    )
    @action(detail=True, methods=["post"], serializer_class=None)
    def fold(self, request, pk, **kwargs):
        return OperationPostponedResponse(journal.dispatch_fold(self.get_object()), request)

    @extend_schema(
        description="Every file accepted by the twine endpoint, newest first (at most 200; "
        "filter with `filename`): who uploaded it, when, and the version that holds it (null "
        "while it waits in the journal, served with the latest version).",
        parameters=[OpenApiParameter("filename", str, description="Only uploads of this file.")],
        responses={200: IndexUploadSerializer(many=True)},
    )
    # `filename` is this action's own parameter, not a filter of repositories
    @action(detail=True, methods=["get"], serializer_class=None, filter_backends=[])
    def uploads(self, request, pk, **kwargs):
        repository = self.get_object()
        rows = repository.uploads.select_related("repository").order_by("-pulp_created")
        if filename := request.query_params.get("filename"):
            rows = rows.filter(filename=filename)
        return Response(IndexUploadSerializer(rows[:200], many=True).data)

    @extend_schema(
        description="Import every wheel and sdist under a server directory (recursively, e.g. "
        "a devpi export) or listed by a simple index URL (pulp_python, devpi), as one new "
        "version; every file is validated as an upload and the task result lists the refused.",
        responses={202: AsyncOperationResponseSerializer},
    )
    @action(detail=True, methods=["post"], url_path="import", serializer_class=ImportSerializer)
    def import_files(self, request, pk, **kwargs):
        repository = self.get_object()
        source = self._validated(ImportSerializer, request, repository)
        if "url" in source:
            return self._dispatch(request, tasks.import_index, repository, url=source["url"])
        return self._dispatch(request, tasks.import_directory, repository, path=source["path"])

    @extend_schema(
        description="Names this index owns that its upstream also offers (their "
        "upstream files are never served)."
    )
    @action(detail=True, methods=["get"], serializer_class=None)
    def shadowed(self, request, pk, **kwargs):
        repository = self.get_object()
        names, errors = audit.shadowed(repository)
        upstream = redact(repository.upstream) if repository.upstream else None
        return Response({"upstream": upstream, "shadowed": names, "errors": errors})

    @extend_schema(description="The latest refused uploads, newest first, with who and why.")
    @action(detail=True, methods=["get"], serializer_class=None)
    def refusals(self, request, pk, **kwargs):
        repository = self.get_object()
        rows = repository.upload_refusals.order_by("-pulp_created")[:200]
        return Response(
            [
                {
                    "time": r.pulp_created,
                    "filename": r.filename,
                    "status": r.status,
                    "reason": r.reason,
                    "user": r.username,
                }
                for r in rows
            ]
        )

    @extend_schema(
        description="Delete the team index and the distributions serving it.",
        responses={202: AsyncOperationResponseSerializer},
    )
    def destroy(self, request, pk, **kwargs):
        """Delete the index and the distributions serving it."""
        repository = self.get_object()
        task = dispatch(
            tasks.delete_index,
            exclusive_resources=[repository, "/api/v3/distributions/"],
            kwargs={"repository_pk": str(repository.pk)},
        )
        return OperationPostponedResponse(task, request)

    @staticmethod
    def _validated(serializer_class, request, repository):
        serializer = serializer_class(
            data=request.data, context={"repository": repository, "request": request}
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @staticmethod
    def _dispatch(request, func, repository, **kwargs):
        task = dispatch(
            func,
            exclusive_resources=[repository],
            kwargs={"repository_pk": str(repository.pk), **kwargs},
        )
        return OperationPostponedResponse(task, request)

    def _set_yanked(self, request, unyank):
        repository = self.get_object()
        selection = self._validated(FileSelectionSerializer, request, repository)
        return self._dispatch(
            request,
            tasks.set_yanked,
            repository,
            filenames=selection["filenames"],
            reason=None if unyank else selection["reason"],
        )


class TeamIndexRepositoryVersionViewSet(RepositoryVersionViewSet):
    """The history of a team index: one version per change; only of indexes one may read."""

    parent_viewset = TeamIndexRepositoryViewSet

    def scope_queryset(self, qs):
        readable = readers.readable_repositories(self.request.user).values("pk")
        return qs.filter(repository_id__in=readable)

    DEFAULT_ACCESS_POLICY = {
        "statements": [
            {"action": ["list", "retrieve"], "principal": "authenticated", "effect": "allow"},
            {
                "action": ["destroy"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": [
                    "has_repository_model_or_domain_or_obj_perms:"
                    "teamindex.delete_teamindexrepository",
                ],
            },
            {
                "action": ["repair"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": [
                    "has_repository_model_or_domain_or_obj_perms:"
                    "teamindex.repair_teamindexrepository",
                ],
            },
        ],
        "queryset_scoping": {"function": "scope_queryset"},
    }
