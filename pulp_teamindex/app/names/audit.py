"""Audit of what an index shadows: projects this index owns that its upstream also offers.
The upstream's files are never served for them, and the report shows which names an attacker
(or a namesake) has published upstream. (What an index refuses is `upload.refusals`.)"""

import asyncio

from pulp_teamindex.app.exceptions import UpstreamError
from pulp_teamindex.app.models import ProjectOwner, packages_in
from pulp_teamindex.app.names import upstream


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
