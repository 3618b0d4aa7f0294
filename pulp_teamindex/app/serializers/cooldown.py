"""REST representation of cooldown exceptions (`cooldown`)."""

from gettext import gettext as _

from django.utils import timezone
from pulpcore.plugin.serializers import IdentityField, ModelSerializer
from rest_framework import serializers

from pulp_teamindex.app.blocklist.rules import reason_problem
from pulp_teamindex.app.cooldown import rules
from pulp_teamindex.app.models import CooldownException
from pulp_teamindex.app.serializers.fields import IndexField


class CooldownExceptionSerializer(ModelSerializer):
    """An exception to an index's cooldown: what it lets through, why, until when, who
    granted it and, once revoked, who revoked it and when."""

    pulp_href = IdentityField(view_name="teamindex/cooldown-exceptions-detail")
    repository = IndexField(
        help_text=_("The team index whose cooldown it relaxes."),
    )
    value = serializers.CharField(
        help_text=_("A project (`requests`) or one release (`requests==2.32.0`).")
    )
    reason = serializers.CharField(
        allow_blank=True, help_text=_("Why the release may not wait (kept for the audit).")
    )
    expires_at = serializers.DateTimeField(
        help_text=_("When the exception stops applying (at most a year ahead).")
    )
    project = serializers.CharField(read_only=True)
    version = serializers.CharField(read_only=True)
    granted_by = serializers.CharField(read_only=True)
    revoked_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revoked_by = serializers.CharField(read_only=True)
    active = serializers.SerializerMethodField(
        help_text=_("Whether it applies now: not revoked, not expired.")
    )

    def get_active(self, obj) -> bool:
        return obj.revoked_at is None and obj.expires_at > timezone.now()

    def validate_reason(self, value):
        if problem := reason_problem(value):
            raise serializers.ValidationError(problem)
        return value.strip()

    def validate_expires_at(self, value):
        if problem := rules.expiry_problem(value, timezone.now()):
            raise serializers.ValidationError(problem)
        return value

    def validate(self, data):
        try:
            data["value"], data["project"], data["version"] = rules.exception_value(data["value"])
        except ValueError as exc:
            raise serializers.ValidationError({"value": str(exc)}) from None
        data["granted_by"] = self.context["request"].user.get_username()
        return data

    class Meta:
        model = CooldownException
        fields = ModelSerializer.Meta.fields + (
            "repository",
            "value",
            "reason",
            "expires_at",
            "project",
            "version",
            "granted_by",
            "revoked_at",
            "revoked_by",
            "active",
        )
