"""REST endpoints, following pulpcore's conventions so pulp CLI and pulp-glue work unchanged:
content (`content`), team indexes and their versions (`repository`), publications and
distributions (`distribution`), tokens and namespaces (`admin`), trusted publisher policies
(`trusted`), the block list (`blocks`), cooldown exceptions (`cooldown`), the download record
(`downloads`). pulpcore registers
every viewset found here.

Every path that changes what an index serves (content upload into a repository, repository
modify) carries a publisher-gate condition in its access policy. Indexes, their versions and
files are scoped (pulpcore's queryset scoping) to the indexes a user may read (`readers`): an
index served without a content guard is readable by all, a guarded one only by its viewers,
owners and publisher, so the REST API never lists what the content guard protects.
"""

from pulp_teamindex.app.viewsets.admin import NamespaceViewSet, PublishTokenViewSet
from pulp_teamindex.app.viewsets.blocks import BlockViewSet
from pulp_teamindex.app.viewsets.content import (
    PackageFileViewSet,
    ProjectStatusViewSet,
    ProvenanceViewSet,
    YankViewSet,
)
from pulp_teamindex.app.viewsets.cooldown import CooldownExceptionViewSet
from pulp_teamindex.app.viewsets.distribution import (
    TeamIndexDistributionViewSet,
    TeamIndexPublicationViewSet,
)
from pulp_teamindex.app.viewsets.downloads import DownloadViewSet
from pulp_teamindex.app.viewsets.repository import (
    TeamIndexRepositoryVersionViewSet,
    TeamIndexRepositoryViewSet,
)
from pulp_teamindex.app.viewsets.search import SearchViewSet
from pulp_teamindex.app.viewsets.trusted import TrustedPublisherViewSet

__all__ = [
    "BlockViewSet",
    "CooldownExceptionViewSet",
    "NamespaceViewSet",
    "DownloadViewSet",
    "PackageFileViewSet",
    "ProjectStatusViewSet",
    "ProvenanceViewSet",
    "PublishTokenViewSet",
    "SearchViewSet",
    "TeamIndexDistributionViewSet",
    "TeamIndexPublicationViewSet",
    "TeamIndexRepositoryVersionViewSet",
    "TeamIndexRepositoryViewSet",
    "TrustedPublisherViewSet",
    "YankViewSet",
]
