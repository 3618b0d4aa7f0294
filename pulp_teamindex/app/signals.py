"""Changes that alter which version a team index serves, or who may read it, reported on the
change feed."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save
from pulpcore.plugin.models import RepositoryVersion

from pulp_teamindex.app.change_feed import ACCESS, FLUSH, notify_changed, unique_change
from pulp_teamindex.app.models import Namespace, TeamIndexDistribution, TeamIndexRepository


def _changed(sender, **kwargs):
    notify_changed(unique_change())


def _edited(sender, **kwargs):
    """A distribution created or edited (repointed, guarded): confirmed by every content app
    before the task ends, so the next request sees the edit (a new guard refuses at once)."""
    notify_changed(unique_change(), confirm=True)


def _access_changed(sender, **kwargs):
    """A password, an active flag, a group membership, a role assignment, a guard or an API
    token changed: every content app forgets the credentials it granted, and confirms it
    before the change's request ends, so a revocation holds from the very next request."""
    notify_changed(unique_change(ACCESS), confirm=True)


# Models whose rows decide who passes an RBAC content guard (looked up by label: pulpcore's
# role models are not part of its plugin API, and the user model is the deployment's).
ACCESS_MODELS = (
    "core.UserRole",
    "core.GroupRole",
    "core.RBACContentGuard",
    "auth.Group",
    "teamindex.PublishToken",
)


def _flush(sender, **kwargs):
    if kwargs.get("created", True):
        notify_changed(FLUSH)


def connect():
    user = get_user_model()
    for model in (user, *(apps.get_model(label) for label in ACCESS_MODELS)):
        uid = f"teamindex-access-{model._meta.label}"
        post_save.connect(_access_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_access_changed, sender=model, dispatch_uid=f"{uid}-del")
    m2m_changed.connect(_access_changed, sender=user.groups.through, dispatch_uid="teamindex-ug")
    post_save.connect(_flush, sender=Namespace, dispatch_uid="teamindex-namespace-save")
    post_delete.connect(_flush, sender=Namespace, dispatch_uid="teamindex-namespace-del")
    post_save.connect(_edited, sender=TeamIndexDistribution, dispatch_uid="teamindex-dist-save")
    post_delete.connect(_changed, sender=TeamIndexDistribution, dispatch_uid="teamindex-dist-del")
    post_delete.connect(_changed, sender=TeamIndexRepository, dispatch_uid="teamindex-repo-del")
    post_delete.connect(_changed, sender=RepositoryVersion, dispatch_uid="teamindex-version-del")
