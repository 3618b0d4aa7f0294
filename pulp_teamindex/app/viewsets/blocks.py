"""REST endpoint of the deployment's block list: admins block and lift; nobody deletes (the
list is the audit of every incident)."""

from drf_spectacular.utils import extend_schema
from pulpcore.plugin.viewsets import NamedModelViewSet
from rest_framework import mixins
from rest_framework.decorators import action

from pulp_teamindex.app.domains import in_domain
from pulp_teamindex.app.models import Block
from pulp_teamindex.app.serializers.blocks import BlockSerializer
from pulp_teamindex.app.viewsets import audited


class BlockViewSet(
    NamedModelViewSet, mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin
):
    """Block a project, a release, a filename or a sha256 in every index of the deployment, or
    lift a block. Only admins (`teamindex.add_block`, `change_block`, `view_block` at model or
    domain level) see or change the list. A change reaches every content app before the call
    returns."""

    endpoint_name = "teamindex/blocks"
    queryset = Block.objects.all()
    serializer_class = BlockSerializer
    ordering = ("-pulp_created",)
    filterset_fields = {"kind": ["exact"], "value": ["exact"], "project": ["exact"]}

    DEFAULT_ACCESS_POLICY = {
        "statements": [
            {
                "action": ["list", "retrieve"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["has_model_or_domain_perms:teamindex.view_block"],
            },
            {
                "action": ["create"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["has_model_or_domain_perms:teamindex.add_block"],
            },
            {
                "action": ["lift"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["has_model_or_domain_perms:teamindex.change_block"],
            },
        ],
    }

    def get_queryset(self):
        return in_domain(super().get_queryset())

    def perform_create(self, serializer):
        audited.create_announced(serializer)

    @extend_schema(
        description="Lift the block: what it named is listed and served again (201, as "
        "pulpcore's POST actions answer).",
        responses={201: BlockSerializer},
    )
    @action(detail=True, methods=["post"], serializer_class=None)
    def lift(self, request, pk=None, **kwargs):
        return audited.end_announced(
            self.get_object(), request, BlockSerializer, "lifted_at", "lifted_by"
        )
