"""Fill a team index from a directory of distribution files (a build output, a mirror, or a
devpi export, whose files sit in nested directories), as one task and one new version.

Every file is validated exactly as an upload is; refused files are reported, never stored.
"""

import shutil
from pathlib import Path

from django.conf import settings
from pulpcore.plugin.files import PulpTemporaryUploadedFile
from pulpcore.plugin.models import ProgressReport

from . import upstream
from .distfiles import InvalidDistribution, inspect_distribution, normalize_name
from .models import PackageFile, TeamIndexRepository
from .ownership import NameTaken, claim
from .publishing import find_filename, store_package

SUFFIXES = (".whl", ".tar.gz")


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


def import_directory(repository_pk, path):
    """Validate and store every wheel and sdist under `path`, then publish them together."""
    repository = TeamIndexRepository.objects.get(pk=repository_pk)
    files = candidates(path)
    accepted, refused = [], []
    with ProgressReport(
        message="Importing distribution files", code="import.files", total=len(files)
    ) as progress:
        for source in files:
            try:
                accepted.append(_import_one(repository, source))
            except (InvalidDistribution, NameTaken) as exc:
                refused.append({"file": str(source.relative_to(path)), "reason": str(exc)})
            progress.increment()
    return _publish(repository, accepted, refused)


def import_index(repository_pk, url):
    """Copy every file a simple index lists (pulp_python, devpi, another team index): each is
    downloaded from the URL its page gives, checked against the sha256 it lists, and then
    validated like an upload."""
    repository = TeamIndexRepository.objects.get(pk=repository_pk)
    names = upstream.fetch_project_names(url)
    accepted, refused = [], []
    with ProgressReport(
        message="Importing projects from an index", code="import.projects", total=len(names)
    ) as progress:
        for name in names:
            for item in upstream.fetch_listing(url, normalize_name(name)):
                source = Path.cwd() / item.filename
                try:
                    upstream.download(item.url, item.sha256, source)
                    accepted.append(_import_one(repository, source))
                except (InvalidDistribution, NameTaken, upstream.UpstreamError) as exc:
                    refused.append({"file": item.filename, "reason": str(exc)})
                source.unlink(missing_ok=True)
            progress.increment()
    return _publish(repository, accepted, refused)


def _publish(repository, accepted, refused):
    if accepted:
        with repository.new_version() as version:
            version.add_content(PackageFile.objects.filter(pk__in=accepted))
    return {"imported": len(accepted), "refused": refused}


def _import_one(repository, source):
    info = inspect_distribution(source, source.name)
    existing = find_filename(repository, info.filename)
    if existing is not None and existing.sha256 != info.sha256:
        raise InvalidDistribution(
            f"File already exists: {info.filename} is in this index with different content."
        )
    claim(repository, info.normalized_name)
    if existing is not None:
        return existing.pk
    scratch = Path(shutil.copy(source, Path.cwd() / f".{source.name}"))  # storage moves it
    with open(scratch, "rb") as handle:
        package = store_package(PulpTemporaryUploadedFile.from_file(handle), info)
    return package.pk
