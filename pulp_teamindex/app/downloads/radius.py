"""Which downloads a block names: its blast radius. A block and the record name a file the same
way (a normalized project, a canonical version, the exact filename, a lowercase sha256), so one
filter finds every index, reader and client that fetched what the block withholds."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from packaging.utils import canonicalize_version


def named_by(block):
    """The downloads of what `block` names."""
    if block.kind == "project":
        return Q(project=block.value)
    if block.kind == "release":
        project, _, version = block.value.partition("==")
        return Q(project=project, version=canonicalize_version(version))
    if block.kind == "filename":
        return Q(filename=block.value)
    return Q(sha256=block.value)


def within_days(days, now=None):
    """The downloads counted in the last `days` days (the hour that began `days` days ago
    included)."""
    since = (now or timezone.now()) - timedelta(days=days)
    return Q(hour__gte=since.replace(minute=0, second=0, microsecond=0))
