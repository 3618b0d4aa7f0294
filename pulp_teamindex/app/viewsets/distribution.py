"""REST viewsets for what serves a team index: publications (frozen snapshots) and
distributions (the URLs pip reads)."""

from drf_spectacular.utils import extend_schema
from pulpcore.plugin.serializers import AsyncOperationResponseSerializer
from pulpcore.plugin.tasking import dispatch
from pulpcore.plugin.viewsets import (
    DistributionViewSet,
    OperationPostponedResponse,
    PublicationViewSet,
    RolesMixin,
)

from pulp_teamindex.app import tasks
from pulp_teamindex.app.access.policies import (
    VIEW_ANY_AUTHENTICATED,
    admin_statements,
    owner_hook,
    owner_roles,
)
from pulp_teamindex.app.models import (
    TeamIndexDistribution,
    TeamIndexPublication,
)
from pulp_teamindex.app.serializers.index import (
    TeamIndexDistributionSerializer,
    TeamIndexPublicationSerializer,
)
from pulp_teamindex.app.viewsets.admin import NamespaceViewSet, PublishTokenViewSet


class TeamIndexPublicationViewSet(PublicationViewSet, RolesMixin):
    """Frozen snapshots of team index versions, for pinning a distribution."""

    endpoint_name = "teamindex"
    queryset = TeamIndexPublication.objects.exclude(complete=False)
    serializer_class = TeamIndexPublicationSerializer

    DEFAULT_ACCESS_POLICY = {
        "statements": [
            VIEW_ANY_AUTHENTICATED,
            {
                "action": ["create"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": [
                    "has_model_or_domain_perms:teamindex.add_teamindexpublication",
                    "has_repo_or_repo_ver_param_model_or_domain_or_obj_perms:"
                    "teamindex.view_teamindexrepository",
                ],
            },
            *admin_statements(
                "teamindexpublication",
                [
                    (["destroy"], "delete"),
                    (["list_roles", "add_role", "remove_role"], "manage_roles"),
                ],
            ),
        ],
        "creation_hooks": owner_hook("teamindexpublication"),
    }
    LOCKED_ROLES = owner_roles("teamindexpublication", ["view", "delete", "manage_roles"])

    @extend_schema(
        description="Trigger an asynchronous task to freeze a team index version.",
        responses={202: AsyncOperationResponseSerializer},
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = serializer.validated_data.get("repository_version")
        task = dispatch(
            tasks.publish,
            shared_resources=[version.repository],
            kwargs={"repository_version_pk": str(version.pk)},
        )
        return OperationPostponedResponse(task, request)


class TeamIndexDistributionViewSet(DistributionViewSet, RolesMixin):
    """Where a team index is served. Each one reports its pip index URL and twine upload URL."""

    endpoint_name = "teamindex"
    queryset = TeamIndexDistribution.objects.all()
    serializer_class = TeamIndexDistributionSerializer

    DEFAULT_ACCESS_POLICY = {
        "statements": [
            VIEW_ANY_AUTHENTICATED,
            {
                "action": ["create"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": [
                    "has_model_or_domain_perms:teamindex.add_teamindexdistribution",
                    "may_view_served_repository",
                ],
            },
            {  # re-pointing needs view on what it would serve, as creating does
                "action": ["update", "partial_update"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": [
                    "has_model_or_domain_or_obj_perms:teamindex.change_teamindexdistribution",
                    "may_view_served_repository",
                ],
            },
            *admin_statements(
                "teamindexdistribution",
                [
                    (["set_label", "unset_label"], "change"),
                    (["destroy"], "delete"),
                    (["list_roles", "add_role", "remove_role"], "manage_roles"),
                ],
            ),
        ],
        "creation_hooks": owner_hook("teamindexdistribution"),
    }
    LOCKED_ROLES = owner_roles(
        "teamindexdistribution", ["view", "change", "delete", "manage_roles"]
    )


__all__ = ["NamespaceViewSet", "PublishTokenViewSet"]  # registered with pulpcore from here
