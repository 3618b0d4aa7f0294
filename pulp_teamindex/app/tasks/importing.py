"""Fill a team index from a directory of distribution files (a build output, a mirror, or a
devpi export, whose files sit in nested directories) or from another simple index, as one task
and one new version.

Every file is validated exactly as an upload is; refused files are reported, never stored.
An import that fails removes what its committed batches stored (`sweeper.imports`); one whose
worker is killed leaves it to the sweep.
"""

import asyncio
import functools
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from pulpcore.plugin.models import ProgressReport, Task

from pulp_teamindex.app.distfiles import normalize_name
from pulp_teamindex.app.exceptions import UpstreamError
from pulp_teamindex.app.models import ImportStaging, PackageFile, TeamIndexRepository
from pulp_teamindex.app.names import upstream
from pulp_teamindex.app.names.import_connector import connector
from pulp_teamindex.app.store import deadline
from pulp_teamindex.app.sweeper.imports import discard_staged_quietly
from pulp_teamindex.app.tasks.batch_store import BulkImport

SUFFIXES = (".whl", ".tar.gz")
BATCH_SIZE = 500  # files stored per transaction
PROJECTS_PER_BATCH = 50  # projects whose files are downloaded, then stored together
PARALLEL_DOWNLOADS = 4
DOWNLOADS = Path("downloads")  # relative to the task's working directory


def allowed(path):
    """Only directories under pulpcore's ALLOWED_IMPORT_PATHS may be read by an import."""
    resolved = Path(path).resolve()
    return any(
        resolved == Path(root).resolve() or Path(root).resolve() in resolved.parents
        for root in settings.ALLOWED_IMPORT_PATHS
    )


def candidates(directory):
    return sorted(
        p for p in Path(directory).rglob("*") if p.is_file() and p.name.endswith(SUFFIXES)
    )


def leaves_nothing_on_failure(run):
    """`run`, an import task, whose failure removes the units and files its committed batches
    stored before it fails the task."""

    @functools.wraps(run)
    def task(*args, **kwargs):
        deadline.bound_client_timeouts()  # a hung store fails the import, not hangs it
        try:
            return run(*args, **kwargs)
        except BaseException:
            discard_staged_quietly(Task.current().pk)
            raise

    return task


@leaves_nothing_on_failure
def import_directory(repository_pk, path):
    """Validate and store every wheel and sdist under `path`, then publish them together. A
    symbolic link that leads out of ALLOWED_IMPORT_PATHS is refused: the allow-list is about
    which bytes the server reads, not which names it lists."""
    bulk = BulkImport(TeamIndexRepository.objects.get(pk=repository_pk))
    files = candidates(path)
    with ProgressReport(
        message="Importing distribution files", code="import.files", total=len(files)
    ) as progress:
        for chunk in _chunks(files, BATCH_SIZE):
            inside = []
            for source in chunk:
                shown = str(source.relative_to(path))
                if allowed(source):
                    inside.append((source, shown))
                else:
                    bulk.refuse(shown, "A link to a file outside ALLOWED_IMPORT_PATHS: not read.")
            bulk.add(inside)
            progress.increase_by(len(chunk))
    return _publish(bulk)


@leaves_nothing_on_failure
def import_index(repository_pk, url):
    """Copy every file a simple index lists (pulp_python, devpi, another team index): each is
    downloaded from the URL its page gives, checked against the sha256 it lists, and then
    validated like an upload. Every request, redirects included, reaches only the hosts
    TEAMINDEX_IMPORT_ALLOWED_HOSTS lets an import reach (import_hosts): the publisher, not an
    admin, chose this URL."""
    bulk = BulkImport(TeamIndexRepository.objects.get(pk=repository_pk))
    names = asyncio.run(upstream.fetch_project_names(url, connector))
    with ProgressReport(
        message="Importing projects from an index", code="import.projects", total=len(names)
    ) as progress:
        for chunk in _chunks(names, PROJECTS_PER_BATCH):
            bulk.add(_download(_listings(url, chunk, bulk), bulk))
            shutil.rmtree(DOWNLOADS, ignore_errors=True)
            progress.increase_by(len(chunk))
    return _publish(bulk)


def _listings(url, names, bulk):
    """Every file the index at `url` lists for `names`, pages fetched a few at a time; a page
    that cannot be read is reported under its project's name."""

    def listing(name):
        try:
            return asyncio.run(upstream.fetch_listing(url, normalize_name(name), connector))
        except UpstreamError as exc:
            bulk.refuse(name, exc)
            return []

    with ThreadPoolExecutor(max_workers=PARALLEL_DOWNLOADS) as pool:
        return [item for page in pool.map(listing, names) for item in page]


def _download(listed, bulk):
    """(path, filename) of the listed files that downloaded and matched their digest; a few
    at a time, since each waits mostly on the other server."""
    targets = [DOWNLOADS / str(n) / item.filename for n, item in enumerate(listed)]
    with ThreadPoolExecutor(max_workers=PARALLEL_DOWNLOADS) as pool:
        outcomes = list(pool.map(_fetch, listed, targets))
    fetched = []
    for item, target, error in zip(listed, targets, outcomes, strict=True):
        if error is None:
            fetched.append((target, item.filename))
        else:
            bulk.refuse(item.filename, error)
    return fetched


def _fetch(item, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        asyncio.run(upstream.download(item.url, item.sha256, target, connector))
    except UpstreamError as exc:
        return exc
    return None


def _chunks(items, size):
    return [items[start : start + size] for start in range(0, len(items), size)]


def _publish(bulk):
    """One version of every accepted file; its units are then no longer staged (a kill in
    between leaves rows whose units the version holds, which the sweep keeps)."""
    if bulk.accepted:
        with bulk.repository.new_version() as version:
            version.add_content(PackageFile.objects.filter(pk__in=bulk.accepted))
    ImportStaging.objects.filter(task_id=Task.current().pk).delete()
    return {"imported": len(set(bulk.accepted)), "refused": bulk.refused}
