"""An index's cooldown and its active exceptions, read for one project: one query for the
index's own setting and, when a cooldown applies, one indexed query for the exceptions."""

from django.conf import settings
from django.utils import timezone

from pulp_teamindex.app.cooldown import rules
from pulp_teamindex.app.models import CooldownException, TeamIndexRepository


def cooldown_of(repository_pk):
    """The cooldown configured for the index (its own, else the deployment's), as written."""
    own = (
        TeamIndexRepository.objects.filter(pk=repository_pk)
        .values_list("upstream_cooldown", flat=True)
        .first()
    )
    return str(own if own is not None else settings.TEAMINDEX_UPSTREAM_COOLDOWN)


def active(repository_pk, now=None):
    """The index's exceptions in force at `now`: granted, not revoked, not expired."""
    return CooldownException.objects.filter(
        repository_id=repository_pk, revoked_at__isnull=True, expires_at__gt=now or timezone.now()
    )


def hold_for(repository_pk, project, now):
    """The `rules.Hold` of the index's upstream files of `project` at `now`."""
    cooldown = cooldown_of(repository_pk)
    seconds = rules.duration(cooldown)
    if seconds == 0:
        return rules.Hold()
    project_until, releases = None, {}
    rows = active(repository_pk, now).filter(project=project)
    for version, expires_at in rows.values_list("version", "expires_at"):
        if not version:
            project_until = max(project_until or expires_at, expires_at)
        else:
            releases[version] = max(releases.get(version, expires_at), expires_at)
    return rules.Hold(seconds, cooldown, project_until, releases)


def withheld_file(repository_pk, project, filename, shown_time):
    """(why the upstream file is held back or None, the time.time() at which that answer
    changes or None) for a file the index shows as uploaded at `shown_time`."""
    now = timezone.now()
    hold = hold_for(repository_pk, project, now)
    changes = hold.changes_at(filename, shown_time, now)
    until = changes.timestamp() if changes is not None else None
    if (matures := hold.held(filename, shown_time, now)) is None:
        return None, until
    return rules.refusal(filename, shown_time, matures, hold.cooldown), until
