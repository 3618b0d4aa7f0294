"""The publisher gate: who may change what a team index serves.

One service account per index is the publishing authority. The deployment names it in the
setting TEAMINDEX_PUBLISHER; a repository may name its own in its `publisher` field. Being a
superuser does not make an account a publisher: admins manage indexes, CI publishes to them.
"""

from django.conf import settings
from django.db.models import Q


def publisher_for(repository):
    """The username allowed to publish into `repository`, or None if nobody is."""
    return getattr(repository, "publisher", None) or settings.TEAMINDEX_PUBLISHER or None


def may_publish(user, repository):
    """True when `user` is the publishing authority of `repository`."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    publisher = publisher_for(repository)
    return publisher is not None and user.get_username() == publisher


def published_by(user):
    """A filter for the repositories whose publishing authority `user` is (as `may_publish`)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    username = user.get_username()
    mine = Q(publisher=username)
    if username == settings.TEAMINDEX_PUBLISHER:
        mine |= Q(publisher__isnull=True) | Q(publisher="")
    return mine
