"""REST endpoint of search across indexes: `GET /pulp/api/v3/teamindex/search/?q=<text>`.

In the API rather than the content app: it reads across indexes, so it needs the user's roles
on each (`access.readers`), which pulpcore's REST authentication and access policies give,
and its answer depends on who asks, so the content app's memory (per index) would not hold
it. Every logged-in user may search; the hits are only from indexes they may read."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from pulpcore.plugin.viewsets import NamedModelViewSet
from rest_framework import mixins, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from pulp_teamindex.app.models import ProjectOwner
from pulp_teamindex.app.search import terms
from pulp_teamindex.app.search.query import search


class SearchHitSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The project's name as its newest release spells it.")
    normalized_name = serializers.CharField()
    version = serializers.CharField(help_text="Its newest release in this index.")
    summary = serializers.CharField(help_text="That release's summary, as uploaded (data).")
    index = serializers.CharField(help_text="The name of the index holding it.")
    index_url = serializers.CharField(allow_null=True, help_text="The index's simple API URL.")
    project_url = serializers.CharField(allow_null=True)
    json_url = serializers.CharField(allow_null=True, help_text="Its PyPI JSON API document.")


class SearchResultsSerializer(serializers.Serializer):
    query = serializers.CharField()
    results = SearchHitSerializer(many=True)


class SearchViewSet(NamedModelViewSet, mixins.ListModelMixin):
    """Find projects by name or summary in every index you may read."""

    endpoint_name = "teamindex/search"
    # pulpcore registers a viewset by its model and maps each model back to its one viewset (to
    # name hrefs): a model no other viewset serves keeps PackageFile's mapping unambiguous.
    queryset = ProjectOwner.objects.none()
    serializer_class = SearchResultsSerializer
    pagination_class = None

    DEFAULT_ACCESS_POLICY = {
        "statements": [{"action": ["list"], "principal": "authenticated", "effect": "allow"}],
    }

    @extend_schema(
        description="Projects whose name or summary holds `q`, from the indexes you may read, "
        "one hit per index and project: the name itself first, then names starting with "
        "`q`, names holding it, and summaries holding it (any case).",
        parameters=[
            OpenApiParameter("q", str, required=True, description="2 to 100 characters."),
            OpenApiParameter(
                "limit",
                int,
                description=f"1 to {terms.MAX_LIMIT} hits (default {terms.DEFAULT_LIMIT}).",
            ),
        ],
        responses=SearchResultsSerializer,
    )
    def list(self, request, *args, **kwargs):
        try:
            found = search(
                request.user, request.query_params.get("q"), request.query_params.get("limit")
            )
        except terms.BadQuery as exc:
            raise ValidationError({exc.field: [str(exc)]}) from None
        return Response(found)
