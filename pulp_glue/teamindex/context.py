"""pulp-glue contexts for team indexes. Subclassing the generic contexts registers the types,
which is also how `pulp repository list` and `pulp distribution list` learn about them."""

from pulp_glue.common.context import (
    PluginRequirement,
    PulpContentContext,
    PulpDistributionContext,
    PulpEntityContext,
    PulpException,
    PulpRepositoryContext,
    PulpRepositoryVersionContext,
)
from pulp_glue.common.exceptions import PulpNotAutorized

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


class PulpTeamIndexProjectStatusContext(PulpContentContext):
    """PEP 792 project statuses; set through the repository's `set_project_status` action."""

    PLUGIN = "teamindex"
    RESOURCE_TYPE = "project_status"
    ENTITY = "team index project status"
    ENTITIES = "team index project statuses"
    HREF = "teamindex_project_status_href"
    ID_PREFIX = "content_teamindex_project_statuses"
    NEEDS_PLUGINS = NEEDS


class PulpTeamIndexDistributionContext(PulpDistributionContext):
    PLUGIN = "teamindex"
    RESOURCE_TYPE = "teamindex"
    ENTITY = "team index distribution"
    ENTITIES = "team index distributions"
    HREF = "teamindex_team_index_distribution_href"
    ID_PREFIX = "distributions_teamindex_teamindex"
    NEEDS_PLUGINS = NEEDS
    CAPABILITIES = {"roles": []}

    def preprocess_entity(self, body, partial=False):
        """A distribution serves exactly one of: a repository's latest version, one pinned
        version (`--version N`, with the repository given or already served), a publication."""
        body = super().preprocess_entity(body, partial=partial)
        number = body.pop("version", None)
        if number is not None:
            repository = body.pop("repository", None) or (partial and self._served_repository())
            if not repository:
                raise PulpException("--version needs --repository.")
            body.update(
                repository=None,
                publication=None,
                repository_version=f"{repository}versions/{number}/",
            )
        elif body.get("repository"):
            body.update(publication=None, repository_version=None)
        elif body.get("publication"):
            body.update(repository=None, repository_version=None)
        return body

    def _served_repository(self):
        """The repository href this distribution serves, directly or through a pinned version."""
        pinned = self.entity.get("repository_version") or ""
        return self.entity.get("repository") or pinned.partition("versions/")[0] or None


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
        """POST one of the index's own actions (yank, remove, rollback, promote, fold...)."""
        return self.call(operation, parameters={self.HREF: self.pulp_href}, body=body)

    def set_project_status(self, project, status, reason=""):
        """Give `project` a PEP 792 status (a task; `active` clears it). pulp-glue drops the
        body of a 403, so say here what it means."""
        body = {"project": project, "status": status, "reason": reason}
        try:
            return self.act("set_project_status", body)
        except PulpNotAutorized:
            raise PulpException(
                "Not allowed: a project's status is set by the index's publisher, an owner or "
                "an admin, and only an owner or an admin may lift a quarantine."
            ) from None

    def uploads(self, filename=None):
        """The index's upload history (see the REST action `uploads`)."""
        parameters = {self.HREF: self.pulp_href, **({"filename": filename} if filename else {})}
        return self.call("uploads", parameters=parameters)


class PulpTeamIndexTrustedPublisherContext(PulpEntityContext):
    """Trusted publisher policies: which CI identities may mint upload tokens for an index."""

    ENTITY = "trusted publisher"
    ENTITIES = "trusted publishers"
    HREF = "teamindex_trusted_publisher_href"
    ID_PREFIX = "teamindex_trusted_publishers"
    NEEDS_PLUGINS = NEEDS

    def of_index(self, repository_href):
        """The policies of one index (the endpoint lists every index's)."""
        listed = self.list(limit=10000, offset=0, parameters={})
        return [policy for policy in listed if policy["repository"] == repository_href]


class PulpTeamIndexBlockContext(PulpEntityContext):
    """The deployment's block list: projects, releases, filenames or sha256s no index serves."""

    ENTITY = "block"
    ENTITIES = "blocks"
    HREF = "teamindex_block_href"
    ID_PREFIX = "teamindex_blocks"
    NEEDS_PLUGINS = NEEDS

    def lift(self):
        """Lift the block: what it named is served again (the list keeps who lifted it)."""
        return self.call("lift", parameters={self.HREF: self.pulp_href})


class PulpTeamIndexDownloadContext(PulpEntityContext):
    """The download record: who fetched which file of which index, per hour (admins)."""

    ENTITY = "download"
    ENTITIES = "downloads"
    HREF = "teamindex_download_href"
    ID_PREFIX = "teamindex_downloads"
    NEEDS_PLUGINS = NEEDS


class PulpTeamIndexCooldownExceptionContext(PulpEntityContext):
    """Exceptions to an index's upstream cooldown, granted by its admins and owners."""

    ENTITY = "cooldown exception"
    ENTITIES = "cooldown exceptions"
    HREF = "teamindex_cooldown_exception_href"
    ID_PREFIX = "teamindex_cooldown_exceptions"
    NEEDS_PLUGINS = NEEDS

    def revoke(self):
        """Revoke the exception: the cooldown holds the files back again (it stays listed)."""
        return self.call("revoke", parameters={self.HREF: self.pulp_href})
