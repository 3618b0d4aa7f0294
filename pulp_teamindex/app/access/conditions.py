"""Access policy conditions that put the publisher gate into pulpcore's RBAC statements."""

from pulpcore.plugin.util import get_domain
from pulpcore.plugin.viewsets import NamedModelViewSet
from rest_framework.exceptions import ValidationError

from pulp_teamindex.app.access import index_admin
from pulp_teamindex.app.access.readers import may_view, served_repository
from pulp_teamindex.app.models import TeamIndexRepository
from pulp_teamindex.app.oidc import management as trusted
from pulp_teamindex.app.upload.gate import may_publish


def is_index_publisher(request, view, action):
    """The request's user is the publishing authority of the repository being modified."""
    return may_publish(request.user, view.get_object())


MALFORMED = object()


def _named_index(request):
    """The team index the body's `repository` names: None when it names none, MALFORMED when
    what it sends is not a string (nothing to authorize: the serializer refuses it with a 400
    saying what to send), False when the string names no index this user can be told of."""
    href = request.data.get("repository") if isinstance(request.data, dict) else None
    if not href:
        return None
    if not isinstance(href, str):
        return MALFORMED
    try:
        return NamedModelViewSet.get_resource(href, TeamIndexRepository)
    except ValidationError:
        return False


def may_upload_package(request, view, action):
    """Uploading into a repository needs its publisher; a bare upload (no repository) needs the
    deployment's publisher, so nobody else can fill the content store."""
    repository = _named_index(request)
    if repository is MALFORMED or repository is False:
        return False
    return may_publish(request.user, repository)


def may_grant_cooldown_exception(request, view, action):
    """Granting (the index named in the body) or revoking (the exception's index) an exception
    to an index's cooldown needs an admin, or an owner that is not the index's publisher."""
    repository = view.get_object().repository if view.detail else _named_index(request)
    if repository is MALFORMED or repository is None:
        return True
    if repository is False:
        return False
    publishes = may_publish(request.user, repository)
    return index_admin.may_grant_cooldown_exception(
        request.user, repository, get_domain(), publishes
    )


def may_manage_trusted_publishers(request, view, action):
    """An owner of the index (not its publisher) manages its trusted publisher policies: the
    index of the policy changed or deleted and the index the body names must both be theirs,
    so a policy is never written for, or moved to, another team's index."""
    repositories = [view.get_object().repository] if view.detail else []
    named = _named_index(request)
    if named is MALFORMED:
        return True
    if named is False:
        return False
    if named:
        repositories.append(named)
    domain = get_domain()
    return bool(repositories) and all(trusted.owns(request.user, r, domain) for r in repositories)


def may_view_served_repository(request, view, action):
    """A distribution may be created or re-pointed only to serve a repository (at its latest
    version, a version, or a publication) the user may view: otherwise the owner of one index's
    distribution could serve another index's private files at their own, unguarded URL."""
    instance = view.get_object() if view.detail else None
    serializer = view.get_serializer(
        instance=instance, data=request.data, partial=action == "partial_update"
    )
    serializer.is_valid(raise_exception=True)
    repository = served_repository(serializer.validated_data)
    return repository is None or may_view(request.user, repository)


def token_is_own_or_admin(request, view, action):
    """Users manage their own tokens; issuing one for another account needs the model perm."""
    user = request.user
    if user.is_superuser or user.has_perm("teamindex.add_publishtoken"):
        return True
    if action == "create":
        target = request.data.get("user") if isinstance(request.data, dict) else None
        return target in (None, "", user.get_username())
    return True  # list/retrieve/revoke/destroy are scoped to the user's own tokens
