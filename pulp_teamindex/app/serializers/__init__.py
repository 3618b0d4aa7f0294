"""REST serializers, by resource: the team index and its content (`index`), the actions on an
index (`actions`), tokens and namespaces (`admin`). pulpcore looks them up here."""

from pulp_teamindex.app.serializers.actions import (
    FileSelectionSerializer,
    ImportSerializer,
    ModifyIndexSerializer,
    PromoteSerializer,
    RollbackSerializer,
)
from pulp_teamindex.app.serializers.admin import NamespaceSerializer, PublishTokenSerializer
from pulp_teamindex.app.serializers.index import (
    PackageFileSerializer,
    TeamIndexDistributionSerializer,
    TeamIndexPublicationSerializer,
    TeamIndexRepositorySerializer,
    YankContentSerializer,
)

__all__ = [
    "FileSelectionSerializer",
    "ImportSerializer",
    "ModifyIndexSerializer",
    "NamespaceSerializer",
    "PackageFileSerializer",
    "PromoteSerializer",
    "PublishTokenSerializer",
    "RollbackSerializer",
    "TeamIndexDistributionSerializer",
    "TeamIndexPublicationSerializer",
    "TeamIndexRepositorySerializer",
    "YankContentSerializer",
]
