"""REST representation of the download record (`downloads`)."""

from gettext import gettext as _

from pulpcore.plugin.serializers import IdentityField, ModelSerializer
from rest_framework import serializers

from pulp_teamindex.app.models import Download
from pulp_teamindex.app.serializers.fields import IndexField


class DownloadSerializer(ModelSerializer):
    """Downloads of one file from one index by one reader and client in one hour."""

    pulp_href = IdentityField(view_name="teamindex/downloads-detail")
    repository = IndexField(
        allow_null=True,
        help_text=_("The team index it was downloaded from (null once the index is deleted)."),
    )
    index_name = serializers.CharField(help_text=_("The index's name when it was downloaded."))
    project = serializers.CharField()
    version = serializers.CharField()
    filename = serializers.CharField()
    sha256 = serializers.CharField()
    user = serializers.CharField(
        help_text=_("Who the content app authenticated; empty for an anonymous reader.")
    )
    token = serializers.CharField(help_text=_("The prefix of the read token used, if any."))
    client = serializers.CharField(help_text=_("The client's address (an IPv6 client's /64)."))
    hour = serializers.DateTimeField(help_text=_("The start of the hour counted."))
    count = serializers.IntegerField()
    first_at = serializers.DateTimeField()
    last_at = serializers.DateTimeField()

    class Meta:
        model = Download
        fields = ModelSerializer.Meta.fields + (
            "repository",
            "index_name",
            "project",
            "version",
            "filename",
            "sha256",
            "user",
            "token",
            "client",
            "hour",
            "count",
            "first_at",
            "last_at",
        )
        read_only_fields = fields
