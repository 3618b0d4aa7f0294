"""REST endpoint of cooldown exceptions: an admin or an owner of an index (never its publisher)
lets a project or release of its upstream through the index's cooldown, until a time; nobody
deletes one (revoking is recorded), so the list is the audit of every exception."""

from drf_spectacular.utils import extend_schema
from pulpcore.plugin.viewsets import BaseFilterSet, HyperlinkRelatedFilter, NamedModelViewSet
from rest_framework import mixins
from rest_framework.decorators import action

from pulp_teamindex.app.access import readers
from pulp_teamindex.app.models import CooldownException
from pulp_teamindex.app.serializers.cooldown import CooldownExceptionSerializer
from pulp_teamindex.app.viewsets import audited


class CooldownExceptionFilter(BaseFilterSet):
    repository = HyperlinkRelatedFilter()

    class Meta:
        model = CooldownException
        fields = {"project": ["exact"], "value": ["exact"]}


class CooldownExceptionViewSet(
    NamedModelViewSet, mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin
):
    """Exceptions to an index's upstream cooldown. Listed for those who may read the index;
    granted and revoked by its admins and owners (not its publisher). A change reaches every
    content app before the call returns."""

    endpoint_name = "teamindex/cooldown-exceptions"
    queryset = CooldownException.objects.select_related("repository")
    serializer_class = CooldownExceptionSerializer
    filterset_class = CooldownExceptionFilter
    ordering = ("-pulp_created",)

    DEFAULT_ACCESS_POLICY = {
        "statements": [
            {"action": ["list", "retrieve"], "principal": "authenticated", "effect": "allow"},
            {
                "action": ["create", "revoke"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["may_grant_cooldown_exception"],
            },
        ],
        "queryset_scoping": {"function": "scope_queryset"},
    }

    def scope_queryset(self, qs):
        readable = readers.readable_repositories(self.request.user).values("pk")
        return qs.filter(repository_id__in=readable)

    def perform_create(self, serializer):
        audited.create_announced(serializer)

    @extend_schema(
        description="Revoke the exception: the cooldown holds its files back again (201, as "
        "pulpcore's POST actions answer). It stays listed, with who revoked it and when.",
        responses={201: CooldownExceptionSerializer},
    )
    @action(detail=True, methods=["post"], serializer_class=None)
    def revoke(self, request, pk=None, **kwargs):
        return audited.end_announced(
            self.get_object(), request, CooldownExceptionSerializer, "revoked_at", "revoked_by"
        )
