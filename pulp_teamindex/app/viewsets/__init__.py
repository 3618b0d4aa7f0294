"""REST viewsets: the team index, its content, versions, publications and distributions
(`index`), tokens and namespaces (`admin`). pulpcore registers every viewset found here."""

from pulp_teamindex.app.viewsets.admin import NamespaceViewSet, PublishTokenViewSet
from pulp_teamindex.app.viewsets.index import (
    PackageFileViewSet,
    TeamIndexDistributionViewSet,
    TeamIndexPublicationViewSet,
    TeamIndexRepositoryVersionViewSet,
    TeamIndexRepositoryViewSet,
    YankViewSet,
)

__all__ = [
    "NamespaceViewSet",
    "PackageFileViewSet",
    "PublishTokenViewSet",
    "TeamIndexDistributionViewSet",
    "TeamIndexPublicationViewSet",
    "TeamIndexRepositoryVersionViewSet",
    "TeamIndexRepositoryViewSet",
    "YankViewSet",
]
