"""Changes that alter which version a team index serves, reported on the change feed."""

from django.db.models.signals import post_delete, post_save
from pulpcore.plugin.models import RepositoryVersion

from .change_feed import FLUSH, notify_changed, unique_change
from .models import Namespace, TeamIndexDistribution, TeamIndexRepository


def _changed(sender, **kwargs):
    notify_changed(unique_change())


def _edited(sender, **kwargs):
    """A distribution created or edited (repointed, guarded): confirmed by every content app
    before the task ends, so the next request sees the edit (a new guard refuses at once)."""
    notify_changed(unique_change(), confirm=True)


def _flush(sender, **kwargs):
    if kwargs.get("created", True):
        notify_changed(FLUSH)


def connect():
    post_save.connect(_flush, sender=Namespace, dispatch_uid="teamindex-namespace-save")
    post_delete.connect(_flush, sender=Namespace, dispatch_uid="teamindex-namespace-del")
    post_save.connect(_edited, sender=TeamIndexDistribution, dispatch_uid="teamindex-dist-save")
    post_delete.connect(_changed, sender=TeamIndexDistribution, dispatch_uid="teamindex-dist-del")
    post_delete.connect(_changed, sender=TeamIndexRepository, dispatch_uid="teamindex-repo-del")
    post_delete.connect(_changed, sender=RepositoryVersion, dispatch_uid="teamindex-version-del")
