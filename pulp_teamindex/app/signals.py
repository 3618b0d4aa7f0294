"""Changes that alter which version a team index serves, reported on the change feed."""

from django.db.models.signals import post_delete, post_save
from pulpcore.plugin.models import RepositoryVersion

from .change_feed import notify_changed
from .models import TeamIndexDistribution, TeamIndexRepository


def _changed(sender, **kwargs):
    notify_changed()


def connect():
    post_save.connect(_changed, sender=TeamIndexDistribution, dispatch_uid="teamindex-dist-save")
    post_delete.connect(_changed, sender=TeamIndexDistribution, dispatch_uid="teamindex-dist-del")
    post_delete.connect(_changed, sender=TeamIndexRepository, dispatch_uid="teamindex-repo-del")
    post_delete.connect(_changed, sender=RepositoryVersion, dispatch_uid="teamindex-version-del")
