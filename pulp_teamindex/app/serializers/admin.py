"""REST representations of publish tokens and namespace grants."""

import re
from gettext import gettext as _

from django.contrib.auth import get_user_model
from pulpcore.plugin.serializers import IdentityField, ModelSerializer
from rest_framework import serializers

from pulp_teamindex.app.distfiles import normalize_name
from pulp_teamindex.app.domains import in_domain
from pulp_teamindex.app.models import Namespace, PublishToken
from pulp_teamindex.app.names.ownership import conflicting_owners
from pulp_teamindex.app.names.prefixes import covers
from pulp_teamindex.app.serializers.fields import IndexField
from pulp_teamindex.app.serializers.index import NameConflict
from pulp_teamindex.app.upload import tokens


class PublishTokenSerializer(ModelSerializer):
    """An API token, used as `__token__` with the token as password: to publish with twine
    (scope "publish") or to read private indexes with pip and uv (scope "read"). The token
    itself is shown once, in the answer to its creation; only its digest is stored."""

    pulp_href = IdentityField(view_name="teamindex/tokens-detail")
    name = serializers.CharField(help_text=_("What the token is for, e.g. the CI pipeline."))
    user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        required=False,
        help_text=_("The account the token acts as; defaults to the requesting user."),
    )
    repositories = IndexField(
        many=True,
        help_text=_("The team indexes this token may publish to (or read)."),
    )
    scope = serializers.ChoiceField(
        choices=["publish", "read"],
        default="publish",
        help_text=_("publish: upload with twine; read: install from a private index."),
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    prefix = serializers.CharField(read_only=True, help_text=_("The token's first characters."))
    revoked_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(read_only=True)
    token = serializers.SerializerMethodField(help_text=_("The token; shown only on creation."))
    claims = serializers.JSONField(
        read_only=True,
        help_text=_(
            "For a token minted by trusted publishing: the identity's claims (repository, ref, "
            "run id...) and the policies that matched."
        ),
    )

    def get_token(self, obj) -> str | None:
        return getattr(obj, "plaintext", None)

    def validate_repositories(self, value):
        if not value:
            raise serializers.ValidationError(_("Scope the token to at least one index."))
        return value

    def create(self, validated_data):
        plaintext, digest, prefix = tokens.new_token()
        validated_data.setdefault("user", self.context["request"].user)
        token = super().create({**validated_data, "digest": digest, "prefix": prefix})
        token.plaintext = plaintext
        return token

    class Meta:
        model = PublishToken
        fields = ModelSerializer.Meta.fields + (
            "name",
            "scope",
            "user",
            "repositories",
            "expires_at",
            "prefix",
            "revoked_at",
            "last_used_at",
            "token",
            "claims",
        )


class NamespaceSerializer(ModelSerializer):
    """A PEP 752 namespace grant: `prefix` and every `prefix-*` project belong to one index."""

    pulp_href = IdentityField(view_name="teamindex/namespaces-detail")
    prefix = serializers.CharField(help_text=_("Project name prefix, e.g. `acme`."))
    repository = IndexField(
        help_text=_("The team index the namespace is granted to."),
    )

    def validate_prefix(self, value):
        prefix = normalize_name(value.strip())
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", prefix):
            raise serializers.ValidationError(_("{!r} is not a project name.").format(value))
        for other in in_domain(Namespace.objects.all()).values_list("prefix", flat=True):
            if covers(other, prefix) or covers(prefix, other):
                raise serializers.ValidationError(
                    _("Overlaps the existing namespace {!r}: grants may not overlap.").format(other)
                )
        return prefix

    def validate(self, data):
        taken = conflicting_owners(data["prefix"], data["repository"])
        if taken:
            raise NameConflict(
                _("Projects under {!r} already belong to other indexes: {}.").format(
                    data["prefix"], ", ".join(taken)
                )
            )
        return data

    class Meta:
        model = Namespace
        fields = ModelSerializer.Meta.fields + ("prefix", "repository")
