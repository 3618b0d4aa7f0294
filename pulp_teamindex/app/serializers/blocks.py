"""REST representation of the deployment's block list (`blocklist`)."""

from gettext import gettext as _

from pulpcore.plugin.serializers import IdentityField, ModelSerializer
from rest_framework import serializers

from pulp_teamindex.app.blocklist import rules
from pulp_teamindex.app.domains import in_domain
from pulp_teamindex.app.models import Block


class BlockSerializer(ModelSerializer):
    """A block: what it names, why, who set it and, once lifted, who lifted it and when."""

    pulp_href = IdentityField(view_name="teamindex/blocks-detail")
    kind = serializers.ChoiceField(
        choices=Block.KINDS, help_text=_("project, release, filename or sha256.")
    )
    value = serializers.CharField(
        help_text=_(
            "What is blocked: a project name, `<project>==<version>`, a filename or a sha256."
        )
    )
    reason = serializers.CharField(
        allow_blank=True, help_text=_("Why; shown to everyone the block stops.")
    )
    project = serializers.CharField(read_only=True)
    blocked_by = serializers.CharField(read_only=True)
    lifted_at = serializers.DateTimeField(read_only=True)
    lifted_by = serializers.CharField(read_only=True)

    def validate_reason(self, value):
        if problem := rules.reason_problem(value):
            raise serializers.ValidationError(problem)
        return value.strip()

    def validate(self, data):
        try:
            data["value"], data["project"] = rules.normalized(data["kind"], data["value"])
        except ValueError as exc:
            raise serializers.ValidationError({"value": str(exc)}) from None
        active = in_domain(Block.objects.filter(lifted_at__isnull=True))
        if active.filter(kind=data["kind"], value=data["value"]).exists():
            raise serializers.ValidationError(
                {"value": _("{} {!r} is blocked already.").format(data["kind"], data["value"])}
            )
        data["blocked_by"] = self.context["request"].user.get_username()
        return data

    class Meta:
        model = Block
        fields = ModelSerializer.Meta.fields + (
            "kind",
            "value",
            "reason",
            "project",
            "blocked_by",
            "lifted_at",
            "lifted_by",
        )
