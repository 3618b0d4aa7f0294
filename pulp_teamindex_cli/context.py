"""pulp-glue contexts for team indexes. Subclassing the generic contexts registers the types,
which is also how `pulp repository list` and `pulp distribution list` learn about them."""

from pulp_glue.common.context import (
    PluginRequirement,
    PulpContentContext,
    PulpDistributionContext,
    PulpRepositoryContext,
    PulpRepositoryVersionContext,
)

NEEDS = [PluginRequirement("teamindex")]


class PulpTeamIndexPackageContext(PulpContentContext):
    PLUGIN = "teamindex"
    RESOURCE_TYPE = "package"
    ENTITY = "team index package"
    ENTITIES = "team index packages"
    HREF = "teamindex_package_file_href"
    ID_PREFIX = "content_teamindex_packages"
    NEEDS_PLUGINS = NEEDS
    CAPABILITIES = {"upload": []}


class PulpTeamIndexDistributionContext(PulpDistributionContext):
    PLUGIN = "teamindex"
    RESOURCE_TYPE = "teamindex"
    ENTITY = "team index distribution"
    ENTITIES = "team index distributions"
    HREF = "teamindex_team_index_distribution_href"
    ID_PREFIX = "distributions_teamindex_teamindex"
    NEEDS_PLUGINS = NEEDS


class PulpTeamIndexRepositoryVersionContext(PulpRepositoryVersionContext):
    HREF = "teamindex_teamindex_repository_version_href"
    ID_PREFIX = "repositories_teamindex_teamindex_versions"
    NEEDS_PLUGINS = NEEDS


class PulpTeamIndexRepositoryContext(PulpRepositoryContext):
    PLUGIN = "teamindex"
    RESOURCE_TYPE = "teamindex"
    ENTITY = "team index"
    ENTITIES = "team indexes"
    HREF = "teamindex_team_index_repository_href"
    ID_PREFIX = "repositories_teamindex_teamindex"
    VERSION_CONTEXT = PulpTeamIndexRepositoryVersionContext
    NEEDS_PLUGINS = NEEDS
    CAPABILITIES = {"roles": []}
    NULLABLES = PulpRepositoryContext.NULLABLES | {"publisher"}

    def act(self, operation, body):
        """POST one of the index's own actions (yank, remove, rollback, promote...)."""
        return self.call(operation, parameters={self.HREF: self.pulp_href}, body=body)
