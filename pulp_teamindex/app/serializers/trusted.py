"""REST representation of trusted publisher policies (see `oidc.policies`)."""

from gettext import gettext as _

from pulpcore.plugin.serializers import DetailRelatedField, IdentityField, ModelSerializer
from rest_framework import serializers

from pulp_teamindex.app.models import TeamIndexRepository, TrustedPublisher
from pulp_teamindex.app.oidc.policies import spec_errors


class TrustedPublisherSerializer(ModelSerializer):
    """Identity tokens of `issuer` whose claims match `claims` may be exchanged at
    `/_/oidc/mint-token` for a 15-minute token that publishes to `repository`."""

    pulp_href = IdentityField(view_name="teamindex/trusted-publishers-detail")
    name = serializers.CharField(help_text=_("What the policy is for, e.g. `release workflow`."))
    repository = DetailRelatedField(
        view_name_pattern=r"repositories(-.*/.*)-detail",
        queryset=TeamIndexRepository.objects.all(),
        help_text=_("The team index the matching identities may publish to."),
    )
    issuer = serializers.CharField(
        help_text=_(
            "The tokens' `iss`, e.g. https://token.actions.githubusercontent.com, "
            "https://gitlab.com or a Kubernetes API server's issuer URL."
        )
    )
    audience = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("The `aud` the tokens must carry; blank: the index's (/_/oidc/audience)."),
    )
    claims = serializers.JSONField(
        help_text=_(
            "Required claim values: exact, or a prefix ending in `*`, e.g. "
            '{"repository": "acme/app", "ref": "refs/tags/*", "environment": "release"}. '
            "At least one of sub, repository, repository_id, project_path, project_id exactly."
        )
    )

    def validate(self, data):
        current = self.instance  # a partial update is checked as the policy it leaves
        issuer = data.get("issuer", getattr(current, "issuer", ""))
        errors = spec_errors(issuer, data.get("claims", getattr(current, "claims", None)))
        if errors:
            raise serializers.ValidationError({"claims": errors})
        return data

    class Meta:
        model = TrustedPublisher
        fields = ModelSerializer.Meta.fields + (
            "name",
            "repository",
            "issuer",
            "audience",
            "claims",
        )
