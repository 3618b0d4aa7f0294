"""REST endpoint for trusted publisher policies: CI never needs a secret."""

from pulpcore.plugin.util import get_domain, get_objects_for_user
from pulpcore.plugin.viewsets import BaseFilterSet, HyperlinkRelatedFilter, NamedModelViewSet
from rest_framework import mixins

from pulp_teamindex.app.domains import in_domain
from pulp_teamindex.app.models import TeamIndexRepository, TrustedPublisher
from pulp_teamindex.app.oidc import management
from pulp_teamindex.app.serializers.trusted import TrustedPublisherSerializer

_WRITES = (
    (["create"], "add"),
    (["update", "partial_update"], "change"),
    (["destroy"], "delete"),
)


class TrustedPublisherFilter(BaseFilterSet):
    repository = HyperlinkRelatedFilter()

    class Meta:
        model = TrustedPublisher
        fields = {"issuer": ["exact"], "name": ["exact"], "provider": ["exact"]}


class TrustedPublisherViewSet(
    NamedModelViewSet,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """Trusted publisher policies (several per index). Admins (`teamindex.*_trustedpublisher`)
    manage all of them, for any issuer; an index's owners (not its publisher) those of their
    index, with a provider preset (see `oidc.management`). Each sees the policies they manage."""

    endpoint_name = "teamindex/trusted-publishers"
    queryset = TrustedPublisher.objects.select_related("repository")
    serializer_class = TrustedPublisherSerializer
    filterset_class = TrustedPublisherFilter
    ordering = ("repository__name", "name")

    DEFAULT_ACCESS_POLICY = {
        "statements": [
            {"action": ["list", "retrieve"], "principal": "authenticated", "effect": "allow"},
            *(
                {
                    "action": actions,
                    "principal": "authenticated",
                    "effect": "allow",
                    "condition": [f"has_model_or_domain_perms:teamindex.{perm}_trustedpublisher"],
                }
                for actions, perm in _WRITES
            ),
            {
                "action": [action for actions, _ in _WRITES for action in actions],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["may_manage_trusted_publishers"],
            },
        ],
        "queryset_scoping": {"function": "scope_queryset"},
    }
    LOCKED_ROLES = {
        "teamindex.trustedpublisher_viewer": ["teamindex.view_trustedpublisher"],
        "teamindex.trustedpublisher_manager": [
            f"teamindex.{perm}_trustedpublisher" for perm in ("view", "add", "change", "delete")
        ],
    }

    def scope_queryset(self, qs):
        """Admins see every policy of the domain; anyone else those of the indexes they own."""
        user, domain = self.request.user, get_domain()
        if management.is_admin(user, "view", domain):
            return qs
        repositories = in_domain(TeamIndexRepository.objects.all())
        owned = get_objects_for_user(user, management.CHANGE_INDEX, repositories)
        return qs.filter(repository_id__in=owned.values("pk"))
