"""REST representation of trusted publisher policies (see `oidc.policies`)."""

from gettext import gettext as _

from pulpcore.plugin.serializers import IdentityField, ModelSerializer
from pulpcore.plugin.util import get_domain
from rest_framework import serializers

from pulp_teamindex.app.models import TrustedPublisher
from pulp_teamindex.app.oidc import management, presets
from pulp_teamindex.app.oidc.policies import normalized_projects, owner_errors, spec_errors
from pulp_teamindex.app.serializers.fields import IndexField


class TrustedPublisherSerializer(ModelSerializer):
    """Identity tokens of `issuer` whose claims match `claims` may be exchanged at
    `/_/oidc/mint-token` for a 15-minute token that publishes `projects` (all when empty) to
    `repository`."""

    pulp_href = IdentityField(view_name="teamindex/trusted-publishers-detail")
    name = serializers.CharField(help_text=_("What the policy is for, e.g. `release workflow`."))
    repository = IndexField(
        help_text=_("The team index the matching identities may publish to."),
    )
    provider = serializers.ChoiceField(
        choices=presets.CHOICES,
        required=False,
        allow_blank=True,
        help_text=_(
            "A preset: `github` requires the claims repository, repository_id and "
            "repository_owner_id; `gitlab` project_path, project_id and namespace_id (ids a "
            "re-registered name cannot take over). Its issuer is the deployment's "
            "(TEAMINDEX_OIDC_PROVIDERS) unless an admin names another. Index owners must use one."
        ),
    )
    issuer = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_(
            "The tokens' `iss`, e.g. https://token.actions.githubusercontent.com, "
            "https://gitlab.com or a Kubernetes API server's issuer URL; blank: the preset's."
        ),
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
    projects = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        allow_empty=True,
        help_text=_(
            "The project names a token minted by this policy may upload (normalized); "
            "empty: any project of the index."
        ),
    )

    def validate(self, data):
        current = self.instance  # a partial update is checked as the policy it leaves
        provider = data.get("provider", getattr(current, "provider", ""))
        issuer = data.get("issuer", getattr(current, "issuer", "")) or presets.issuer_of(provider)
        claims = data.get("claims", getattr(current, "claims", None))
        errors = spec_errors(issuer, claims) + presets.preset_errors(provider, claims)
        if not self._by_admin():
            errors += owner_errors(provider, issuer, claims)
        if errors:
            raise serializers.ValidationError({"claims": errors})
        data["issuer"] = issuer
        if "projects" in data:
            data["projects"], problems = normalized_projects(data["projects"])
            if problems:
                raise serializers.ValidationError({"projects": problems})
        return data

    def _by_admin(self):
        request = self.context.get("request")
        action = "change" if self.instance else "add"
        return request is not None and management.is_admin(request.user, action, get_domain())

    class Meta:
        model = TrustedPublisher
        fields = ModelSerializer.Meta.fields + (
            "name",
            "repository",
            "provider",
            "issuer",
            "audience",
            "claims",
            "projects",
        )
