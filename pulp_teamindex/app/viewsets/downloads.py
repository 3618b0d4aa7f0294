"""REST endpoint of the download record: for an incident responder, who fetched a file (or
what a block names) from which index, in the last days. Read-only; admins only, since it names
users and client addresses of every index."""

from django.core.exceptions import ValidationError
from django_filters import CharFilter, NumberFilter
from pulpcore.plugin.viewsets import BaseFilterSet, NamedModelViewSet
from rest_framework import exceptions, mixins

from pulp_teamindex.app.domains import in_domain
from pulp_teamindex.app.downloads import radius
from pulp_teamindex.app.models import Block, Download
from pulp_teamindex.app.serializers.downloads import DownloadSerializer

MAX_DAYS = 3660


class DownloadFilter(BaseFilterSet):
    block = CharFilter(
        method="filter_block",
        help_text="A block's pulp_href or id: the downloads of what it names (its blast radius).",
    )
    days = NumberFilter(
        method="filter_days", help_text="Only the downloads of the last N days.", min_value=0
    )

    class Meta:
        model = Download
        fields = {
            "project": ["exact"],
            "version": ["exact"],
            "filename": ["exact"],
            "sha256": ["exact"],
            "user": ["exact"],
            "token": ["exact"],
            "client": ["exact"],
            "index_name": ["exact"],
            "hour": ["gte", "lt"],
        }

    def filter_block(self, queryset, _name, value):
        pk = value.rstrip("/").rsplit("/", 1)[-1]
        try:
            block = in_domain(Block.objects.all()).filter(pk=pk).first()
        except ValidationError:
            block = None
        if block is None:
            raise exceptions.ValidationError(
                {"block": f"No block {value!r}: give a pulp_href from the block list."}
            )
        return queryset.filter(radius.named_by(block))

    def filter_days(self, queryset, _name, value):
        if value > MAX_DAYS:
            raise exceptions.ValidationError({"days": f"Ask for at most {MAX_DAYS} days."})
        return queryset.filter(radius.within_days(float(value)))


class DownloadViewSet(NamedModelViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Who downloaded which file of which index, counted per hour (kept
    TEAMINDEX_DOWNLOAD_RECORD_DAYS days). Filter by `block` for what a block withholds, by
    `sha256`, `filename`, `project` and `version`, `user`, `token`, `client` or `index_name`, and
    by `days`. Only admins (`teamindex.view_download` at model or domain level) read it."""

    endpoint_name = "teamindex/downloads"
    queryset = Download.objects.select_related("repository")
    serializer_class = DownloadSerializer
    filterset_class = DownloadFilter
    ordering = ("-hour", "index_name", "filename")

    DEFAULT_ACCESS_POLICY = {
        "statements": [
            {
                "action": ["list", "retrieve"],
                "principal": "authenticated",
                "effect": "allow",
                "condition": ["has_model_or_domain_perms:teamindex.view_download"],
            },
        ],
    }

    def get_queryset(self):
        return in_domain(super().get_queryset())
