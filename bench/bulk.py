"""Fill an index with synthetic files fast, for benchmarks at sizes twine would take hours to
reach. Runs inside `pulpcore-manager shell`; the units have no artifacts (pages do not need
them). The measured paths never use this: it only sets the stage."""

import subprocess

from bench.common import BIN, devstack

TEAMINDEX = """
import hashlib
from django.db import transaction
from pulp_teamindex.app.models import PackageFile, TeamIndexRepository
repo = TeamIndexRepository.objects.get(pk="{repo_pk}")
with transaction.atomic():
    for p in range({projects}):
        name = f"{prefix}-{{p:05d}}"
        for v in range({versions}):
            fn = f"{prefix}_{{p:05d}}-1.{{v}}.0-py3-none-any.whl"
            PackageFile.objects.create(
                filename=fn, name=name, normalized_name=name, version=f"1.{{v}}.0",
                packagetype="bdist_wheel", requires_python=">=3.8",
                sha256=hashlib.sha256(fn.encode()).hexdigest(), size=1000,
                metadata=b"Metadata-Version: 2.1", metadata_sha256="0" * 64)
with repo.new_version() as version:
    version.add_content(PackageFile.objects.filter(filename__startswith="{prefix}_"))
print(repo.latest_version().content.count())
"""

PULP_PYTHON = """
import hashlib
from django.db import transaction
from pulp_python.app.models import PythonPackageContent, PythonRepository
repo = PythonRepository.objects.get(pk="{repo_pk}")
text = {{f.name: "" for f in PythonPackageContent._meta.get_fields()
        if f.get_internal_type() == "TextField" and not f.has_default() and not f.null}}
with transaction.atomic():
    for p in range({projects}):
        name = f"{prefix}-{{p:05d}}"
        for v in range({versions}):
            fn = f"{prefix}_{{p:05d}}-1.{{v}}.0-py3-none-any.whl"
            PythonPackageContent.objects.create(**{{**text,
                "filename": fn, "name": name, "name_normalized": name, "version": f"1.{{v}}.0",
                "packagetype": "bdist_wheel", "python_version": "py3", "requires_python": ">=3.8",
                "metadata_version": "2.1", "sha256": hashlib.sha256(fn.encode()).hexdigest(),
                "size": 1000}})
with repo.new_version() as version:
    version.add_content(PythonPackageContent.objects.filter(filename__startswith="{prefix}_"))
print(repo.latest_version().content.count())
"""


def load(stack, template, repo_href, prefix, projects, versions):
    """Create projects x versions wheels named <prefix>_<n>-1.<v>.0; return the unit count."""
    script = template.format(
        repo_pk=repo_href.rstrip("/").rsplit("/", 1)[1],
        prefix=prefix,
        projects=projects,
        versions=versions,
    )
    result = subprocess.run(
        [str(BIN / "pulpcore-manager"), "shell", "-c", script],
        env=stack.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    # An index that grew to this size over time has been vacuumed and analyzed by PostgreSQL's
    # autovacuum, and its writes checkpointed, long since; right after a bulk insert they have
    # not, and measuring then would time autovacuum, stale planner statistics and the flush of
    # the load's dirty pages, not the index.
    devstack._psql(stack, "pulp", "VACUUM ANALYZE")
    devstack._psql(stack, "pulp", "CHECKPOINT")
    return int(result.stdout.strip().splitlines()[-1])
