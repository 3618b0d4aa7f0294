"""Audit of what an index refuses and what it shadows.

Refused uploads are recorded with who sent them and why. Shadowed names are projects this index
owns that its upstream also offers: the upstream's files are never served for them, and the
report shows which names an attacker (or a namesake) has published upstream.
"""

import asyncio

from pulp_teamindex.app.exceptions import UpstreamError
from pulp_teamindex.app.models import ProjectOwner, UploadRefusal, packages_in
from pulp_teamindex.app.names import upstream
from pulp_teamindex.app.nul_paths import NUL
from pulp_teamindex.app.upload.gate import may_publish

MAX_REASON = 2000


def record_refusal(repository, filename, status, reason, user):
    """Keep a refused upload for the index's audit, when `user` may publish there: what its
    publishing authority sent is worth a look; anybody else's attempt was refused at the gate
    and would only let any account flood another team's log."""
    if not may_publish(user, repository):
        return
    UploadRefusal.objects.create(
        repository=repository,
        filename=_printable(filename or "")[:255],
        status=status,
        reason=_printable(reason)[:MAX_REASON],
        username=user.get_username(),
    )


def _printable(text):
    """PostgreSQL stores no NUL character; a client may send one in a filename."""
    return text.replace(NUL, "\\x00")


def owned_names(repository):
    names = set(
        ProjectOwner.objects.filter(repository=repository).values_list("normalized_name", flat=True)
    )
    served = packages_in(repository.latest_version(), with_journal=True)
    names.update(served.values_list("normalized_name", flat=True).distinct())
    return sorted(names)


def shadowed(repository):
    """[{name, upstream_files}] for owned names the upstream also lists, with any errors. The
    pages are read at once (within the per-upstream concurrency cap), so an upstream that does
    not answer costs this request one deadline, not one per name."""
    report, errors = [], []
    if not repository.upstream:
        return report, errors
    names = owned_names(repository)
    for name, listed in zip(names, asyncio.run(_listings(repository.upstream, names)), strict=True):
        if isinstance(listed, UpstreamError):
            errors.append({"name": name, "error": str(listed)})
        elif isinstance(listed, BaseException):
            raise listed
        elif listed:
            report.append({"name": name, "upstream_files": sorted(f.filename for f in listed)})
    return report, errors


async def _listings(url, names):
    reads = (upstream.fetch_listing(url, name) for name in names)
    return await asyncio.gather(*reads, return_exceptions=True)
