"""Tasks: the only code that creates repository versions and publications."""

from pulpcore.plugin.models import RepositoryVersion

from .models import TeamIndexPublication


def publish(repository_version_pk):
    """Freeze a repository version as a publication that a distribution can be pinned to.

    The simple API is rendered from the version itself, so the publication stores no files:
    it is a named, immutable pointer that pulpcore's publication machinery understands.
    """
    version = RepositoryVersion.objects.get(pk=repository_version_pk)
    with TeamIndexPublication.create(version, pass_through=False) as publication:
        pass
    return publication
