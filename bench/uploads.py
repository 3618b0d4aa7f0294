"""Upload benchmark: sequential twine uploads, in files per second.

Compares, on one pulpcore stack in one run:
  - pulp_teamindex, password auth and token auth, into an empty index;
  - pulp_python's twine endpoint (password auth), measured both as twine sees it and until the
    last file is actually in the repository (pulp_python answers 202 before it is);
  - pulp_teamindex into an index that already holds --big files, against the empty index;
  - the version bookkeeping the password run left in pulpcore's tables: how many content ids
    its versions store (each version stores its whole list, so N uploads store about N^2/2).

    bench/bootstrap && .bench-venv/bin/python bench/uploads.py [--files 200] [--big 50000]

Prints a table and writes bench/results/uploads.json. Each twine run includes twine's own
start-up (about 0.4 s), the same for every row.
"""

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import bulk
from common import (
    clients,
    corpus,
    devstack,
    pulp_python_index,
    ratio,
    save_results,
    start_stack,
    teamindex,
    twine,
)


def timed_twine(url, user, password, files):
    began = time.monotonic()
    twine(url, user, password, files)
    return time.monotonic() - began


def wait_for_count(admin, repo_href, count, timeout=600):
    """Seconds until the repository's latest version holds `count` units."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        latest = admin.get(repo_href).json()["latest_version_href"]
        found = admin.get(latest).json()["content_summary"]["present"]
        if sum(v["count"] for v in found.values()) >= count:
            return time.monotonic() - began
        time.sleep(0.2)
    raise SystemExit(f"{repo_href} never reached {count} units")


def version_bookkeeping(stack, repo_href):
    """Versions of the repository, content ids they store in all, and the version table's
    size in bytes."""
    pk = uuid.UUID(repo_href.rstrip("/").rsplit("/", 1)[1])  # a UUID: safe to quote below
    row = devstack._psql(
        stack,
        "pulp",
        "SELECT count(*), coalesce(sum(cardinality(content_ids)), 0), "  # noqa: S608
        "pg_total_relation_size('core_repositoryversion') FROM core_repositoryversion "
        f"WHERE repository_id = '{pk}'",
    )
    versions, ids, table_bytes = (int(v) for v in row.strip().split("|"))
    return {"versions": versions, "content_ids": ids, "table_bytes": table_bytes}


def issue_token(publisher, repo_href):
    return publisher.post(
        "teamindex/tokens/", json={"name": "bench", "repositories": [repo_href]}
    ).json()["token"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--big", type=int, default=50000)
    args = parser.parse_args()
    stack = start_stack("uploads")
    try:
        results = run(stack, args.files, args.big)
    finally:
        devstack.destroy(stack)
    report(results)


def run(stack, files, big):
    admin, publisher = clients(stack)
    work = Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    sets = {key: corpus(work / key, files // 2, 2, key) for key in ("pw", "tok", "py", "bigidx")}
    results = {"files": files, "big": big}

    repo, dist = teamindex(admin)
    results["teamindex_password_s"] = timed_twine(
        dist["upload_url"], "publisher", publisher.password, sets["pw"]
    )
    results["bookkeeping"] = version_bookkeeping(stack, repo)
    token = issue_token(publisher, repo)
    results["teamindex_token_s"] = timed_twine(dist["upload_url"], "__token__", token, sets["tok"])

    py_repo, py_upload, _ = pulp_python_index(admin)
    began = time.monotonic()
    twine(py_upload, "admin", admin.password, sets["py"])
    results["pulp_python_twine_s"] = time.monotonic() - began
    wait_for_count(admin, py_repo, len(sets["py"]))
    results["pulp_python_installable_s"] = time.monotonic() - began

    big_repo, big_dist = teamindex(admin)
    if big:
        began = time.monotonic()
        results["big_loaded"] = bulk.load(stack, bulk.TEAMINDEX, big_repo, "bulk", big, 1)
        results["big_load_s"] = time.monotonic() - began
    big_token = issue_token(publisher, big_repo)
    results["teamindex_big_token_s"] = timed_twine(
        big_dist["upload_url"], "__token__", big_token, sets["bigidx"]
    )
    return results


def report(r):
    n = r["files"]
    rate = {k: n / v for k, v in r.items() if k.endswith("_s") and k != "big_load_s"}
    rows = [
        ("pulp_teamindex, password", rate["teamindex_password_s"]),
        ("pulp_teamindex, token", rate["teamindex_token_s"]),
        ("pulp_python, as twine sees it (202)", rate["pulp_python_twine_s"]),
        ("pulp_python, until installable", rate["pulp_python_installable_s"]),
        (f"pulp_teamindex, token, index of {r['big']} files", rate["teamindex_big_token_s"]),
    ]
    print(f"\nSequential twine uploads of {n} wheels (files/s, higher is better)")
    for label, value in rows:
        print(f"  {label:<48} {value:8.1f}")
    print("Ratios")
    print(
        f"  teamindex (password) / pulp_python installable   "
        f"{ratio(rate['teamindex_password_s'], rate['pulp_python_installable_s'])}"
    )
    print(
        f"  teamindex (password) / pulp_python twine-visible "
        f"{ratio(rate['teamindex_password_s'], rate['pulp_python_twine_s'])}"
    )
    print(
        f"  empty index / {r['big']}-file index (token)           "
        f"{ratio(rate['teamindex_token_s'], rate['teamindex_big_token_s'])}"
    )
    b = r["bookkeeping"]
    print(
        f"Version bookkeeping after {n} sequential uploads into one index: {b['versions']} "
        f"versions storing {b['content_ids']} content ids in all "
        f"({b['content_ids'] / max(n, 1):.0f} per upload; version table {b['table_bytes']} bytes)"
    )
    save_results("uploads", {**r, "rates": rate})


if __name__ == "__main__":
    main()
