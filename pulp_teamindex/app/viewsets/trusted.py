"""REST endpoint for trusted publisher policies: admins set them, CI never needs a secret."""

from pulpcore.plugin.viewsets import NamedModelViewSet
from rest_framework import mixins

from pulp_teamindex.app.models import TrustedPublisher
from pulp_teamindex.app.serializers.trusted import TrustedPublisherSerializer


class TrustedPublisherViewSet(
    NamedModelViewSet,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """Trusted publisher policies (several per index). Made, changed and removed by admins
    (`teamindex.*_trustedpublisher`); seen by those who may view them."""

    endpoint_name = "teamindex/trusted-publishers"
    queryset = TrustedPublisher.objects.select_related("repository")
    serializer_class = TrustedPublisherSerializer
    ordering = ("repository__name", "name")
    filterset_fields = {"issuer": ["exact"], "name": ["exact"]}

    DEFAULT_ACCESS_POLICY = {
        "statements": [
            {
                "action": ["list", "retrieve"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["has_model_or_domain_perms:teamindex.view_trustedpublisher"],
            },
            {
                "action": ["create"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["has_model_or_domain_perms:teamindex.add_trustedpublisher"],
            },
            {
                "action": ["update", "partial_update"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["has_model_or_domain_perms:teamindex.change_trustedpublisher"],
            },
            {
                "action": ["destroy"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["has_model_or_domain_perms:teamindex.delete_trustedpublisher"],
            },
        ],
    }
