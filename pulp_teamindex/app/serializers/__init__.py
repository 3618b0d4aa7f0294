"""REST serializers, by resource: the team index and its content (`index`), the actions on an
index (`actions`), tokens and namespaces (`admin`), trusted publisher policies (`trusted`), the
block list (`blocks`), cooldown exceptions (`cooldown`). pulpcore looks them up here."""

from pulp_teamindex.app.serializers.actions import (
    FileSelectionSerializer,
    ImportSerializer,
    ModifyIndexSerializer,
    ProjectStatusSerializer,
    PromoteSerializer,
    RollbackSerializer,
)
from pulp_teamindex.app.serializers.admin import NamespaceSerializer, PublishTokenSerializer
from pulp_teamindex.app.serializers.blocks import BlockSerializer
from pulp_teamindex.app.serializers.cooldown import CooldownExceptionSerializer
from pulp_teamindex.app.serializers.index import (
    PackageFileSerializer,
    ProjectStatusContentSerializer,
    TeamIndexDistributionSerializer,
    TeamIndexPublicationSerializer,
    TeamIndexRepositorySerializer,
    YankContentSerializer,
)
from pulp_teamindex.app.serializers.trusted import TrustedPublisherSerializer

__all__ = [
    "BlockSerializer",
    "CooldownExceptionSerializer",
    "FileSelectionSerializer",
    "ImportSerializer",
    "ModifyIndexSerializer",
    "NamespaceSerializer",
    "PackageFileSerializer",
    "ProjectStatusContentSerializer",
    "ProjectStatusSerializer",
    "PromoteSerializer",
    "PublishTokenSerializer",
    "RollbackSerializer",
    "TeamIndexDistributionSerializer",
    "TeamIndexPublicationSerializer",
    "TeamIndexRepositorySerializer",
    "TrustedPublisherSerializer",
    "YankContentSerializer",
]
