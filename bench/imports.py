"""Import benchmark: filling a team index in bulk, in files per second.

On one pulpcore stack in one run:
  - pulp_teamindex imports --files generated wheels from a server directory (one task);
  - pulp_python receives --migrate wheels by twine, and pulp_teamindex then imports them from
    pulp_python's simple API (a migration; every file downloaded, checked and validated);
  - the same migration from another team index, for comparison.

    bench/bootstrap && .bench-venv/bin/python bench/imports.py [--files 100000] [--migrate 200]

Prints a table and writes bench/results/imports.json.
"""

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import requests

from bench.common import (
    clients,
    corpus,
    devstack,
    pulp_python_index,
    save_results,
    start_stack,
    teamindex,
    twine,
)


def timed_import(publisher, repo_href, source, timeout=3600):
    """Seconds from the import request to the end of its task, and the task's result."""
    began = time.monotonic()
    href = publisher.post(repo_href + "import/", json=source).json()["task"]
    while time.monotonic() - began < timeout:
        task = publisher.get(href).json()
        if task["state"] not in ("waiting", "running"):
            assert task["state"] == "completed", task
            return time.monotonic() - began, task["result"]
        time.sleep(0.5)
    raise SystemExit(f"import {href} did not finish in {timeout} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--migrate", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-imports-", dir="/var/tmp"))
    stack = start_stack("imports", ALLOWED_IMPORT_PATHS=[str(work)])
    try:
        results = run(stack, work, args.files, args.migrate)
    finally:
        devstack.destroy(stack)
        shutil.rmtree(work, ignore_errors=True)
    report(results)


def run(stack, work, files, migrate):
    admin, publisher = clients(stack)
    results = {"files": files, "migrate": migrate}

    began = time.monotonic()
    corpus(work / "bulk", files // 2, 2, "bulk")
    results["generate_s"] = time.monotonic() - began
    repo, _dist = teamindex(admin)
    results["directory_s"], result = timed_import(publisher, repo, {"path": str(work / "bulk")})
    assert result["imported"] == files, result

    _py_repo, py_upload, py_index = pulp_python_index(admin)
    twine(py_upload, "admin", admin.password, corpus(work / "mig", migrate // 2, 2, "mig"))
    wait_for_listing(py_index, migrate // 2)
    repo, _dist = teamindex(admin)
    results["from_pulp_python_s"], result = timed_import(publisher, repo, {"url": py_index})
    assert result["imported"] == migrate, result
    return results


def wait_for_listing(index_url, projects, timeout=600):
    """pulp_python answers twine before the files are in its repository: wait for them."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        page = requests.get(index_url, timeout=30)
        if page.ok and page.text.count("<a ") >= projects:
            return
        time.sleep(0.5)
    raise SystemExit(f"{index_url} never listed {projects} projects")


def report(r):
    rows = [
        (f"directory import, {r['files']} files", r["files"] / r["directory_s"]),
        (
            f"import from pulp_python's simple API, {r['migrate']} files",
            r["migrate"] / r["from_pulp_python_s"],
        ),
    ]
    print("\nBulk import (files/s, higher is better)")
    for label, value in rows:
        print(f"  {label:<56} {value:8.1f}")
    print(f"  directory import of {r['files']} files took {r['directory_s']:.0f} s")
    save_results("imports", r)


if __name__ == "__main__":
    main()
