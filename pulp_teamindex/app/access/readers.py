"""Who may read what a team index holds (filenames, digests, versions), in plain functions.

The content app serves an index without a content guard to anyone, and a guarded one only to
its guard's downloaders. The REST API must not be a way around that: its listings of files,
yanks and versions, and every action that copies content from elsewhere (promote, modify,
re-pointing a distribution), follow the rule here.

A user may read an index when they
- hold `teamindex.view_teamindexrepository` on it (model, domain or object level: its viewers,
  its owners, admins),
- are its publishing authority (they write it, so they may see what they wrote), or
- could read it anonymously anyway: a distribution without a content guard serves it.
"""

from django.db.models import Exists, OuterRef, Q
from pulpcore.plugin.models import Content, ContentArtifact, RepositoryContent
from pulpcore.plugin.util import get_domain, get_objects_for_user

from pulp_teamindex.app.domains import in_domain
from pulp_teamindex.app.models import TeamIndexDistribution, TeamIndexRepository
from pulp_teamindex.app.upload.gate import may_publish, published_by

VIEW = "teamindex.view_teamindexrepository"
CHANGE_UPLOAD = "core.change_upload"


def readable_repositories(user):
    """The team indexes of the current domain whose contents `user` may read."""
    repositories = in_domain(TeamIndexRepository.objects.all())
    if user is None or not user.is_authenticated:
        return repositories.filter(Exists(_unguarded_distributions()))
    viewable = get_objects_for_user(user, VIEW, repositories).values("pk")
    return repositories.filter(
        Q(pk__in=viewable) | published_by(user) | Exists(_unguarded_distributions())
    )


def _unguarded_distributions():
    """Distributions without a content guard serving the repository at OuterRef("pk"), at its
    latest version or pinned to a publication (both also serve every version by number)."""
    return TeamIndexDistribution.objects.filter(content_guard__isnull=True).filter(
        Q(repository_id=OuterRef("pk"))
        | Q(publication__repository_version__repository_id=OuterRef("pk"))
    )


def may_read(user, repository):
    return readable_repositories(user).filter(pk=repository.pk).exists()


def may_view(user, repository):
    """The permission pulpcore asks for before a distribution may serve `repository`."""
    return (
        user.has_perm(VIEW) or user.has_perm(VIEW, get_domain()) or user.has_perm(VIEW, repository)
    )


def unreadable_units(user, content_pks):
    """The pks among `content_pks` whose unit `user` may not read: one that no index readable
    by them ever held. A unit no index holds (a bare upload) is readable by whoever may make
    bare uploads, the deployment's publisher; units of another domain never are."""
    wanted = {str(pk) for pk in content_pks}
    units = in_domain(Content.objects.filter(pk__in=wanted))
    held = RepositoryContent.objects.filter(content_id=OuterRef("pk"))
    readable = units.filter(
        Exists(held.filter(repository__in=readable_repositories(user).values("pk")))
    )
    if may_publish(user, None):
        readable = readable | units.filter(~Exists(held))
    return wanted - {str(pk) for pk in readable.values_list("pk", flat=True)}


def unusable_source(user, data):
    """Why `user` may not make a unit from the chunked `upload` or the `artifact` in `data` (a
    content upload's fields), or None. Another user's upload, or the bytes of a file the user
    may not read, would otherwise enter their index by href."""
    upload, artifact = data.get("upload"), data.get("artifact")
    if upload is not None and not (
        user.has_perm(CHANGE_UPLOAD) or user.has_perm(CHANGE_UPLOAD, upload)
    ):
        return "This upload belongs to another user: upload the file yourself."
    if artifact is not None:
        holders = [
            str(pk)
            for pk in ContentArtifact.objects.filter(artifact=artifact).values_list(
                "content_id", flat=True
            )
        ]
        if not holders or len(unreadable_units(user, holders)) == len(holders):
            return "This artifact is no file you may read: upload the file itself."
    return None


def served_repository(data):
    """The repository a distribution would serve with the fields `data` (a validated create or
    update), or None when it would serve none."""
    if data.get("repository"):
        return data["repository"].cast()
    if data.get("repository_version"):
        return data["repository_version"].repository.cast()
    if data.get("publication"):
        return data["publication"].repository_version.repository.cast()
    return None
