"""REST endpoints for deployment-level objects: publish tokens and namespace grants."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from pulpcore.plugin.viewsets import NamedModelViewSet
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from pulp_teamindex.app.models import Namespace, PublishToken
from pulp_teamindex.app.serializers.admin import NamespaceSerializer, PublishTokenSerializer


class PublishTokenViewSet(
    NamedModelViewSet,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
):
    """API tokens for publishing with twine. A user manages their own tokens; an admin (with
    `teamindex.add_publishtoken`) may issue tokens for the service account. `revoke` keeps the
    token for audit; delete removes it."""

    endpoint_name = "teamindex/tokens"
    queryset = PublishToken.objects.select_related("user").prefetch_related("repositories")
    serializer_class = PublishTokenSerializer
    ordering = ("-pulp_created",)

    DEFAULT_ACCESS_POLICY = {
        "statements": [
            {
                "action": ["list", "retrieve", "create", "destroy", "revoke"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["token_is_own_or_admin"],
            },
        ],
        "queryset_scoping": {"function": "scope_queryset"},
    }

    def scope_queryset(self, qs):
        user = self.request.user
        if user.is_superuser or user.has_perm("teamindex.view_publishtoken"):
            return qs
        return qs.filter(user=user)

    @extend_schema(description="Revoke the token: it stops working at once.")
    @action(detail=True, methods=["post"], serializer_class=None)
    def revoke(self, request, pk=None, **kwargs):
        token = self.get_object()
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
        return Response(PublishTokenSerializer(token, context={"request": request}).data)


class NamespaceViewSet(
    NamedModelViewSet,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
):
    """PEP 752 namespaces: reserve a project name prefix for one team index. Everyone can see
    the grants; admins (`teamindex.add_namespace`) make and remove them."""

    endpoint_name = "teamindex/namespaces"
    queryset = Namespace.objects.select_related("repository")
    serializer_class = NamespaceSerializer
    ordering = ("prefix",)
    filterset_fields = {"prefix": ["exact", "startswith"]}

    DEFAULT_ACCESS_POLICY = {
        "statements": [
            {"action": ["list", "retrieve"], "principal": "authenticated", "effect": "allow"},
            {
                "action": ["create"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["has_model_or_domain_perms:teamindex.add_namespace"],
            },
            {
                "action": ["destroy"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["has_model_or_domain_perms:teamindex.delete_namespace"],
            },
        ],
    }
