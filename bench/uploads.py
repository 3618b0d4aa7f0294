"""Upload benchmark (issue #13): twine uploads into pulp_teamindex, in files per second, against
pulp_python on the same throwaway pulpcore stack, in one run.

Rows:
  - sequential twine of --files wheels into an empty index: pulp_teamindex with password auth
    and with token auth; pulp_python's twine endpoint (password auth) both as twine sees it and
    until the last file is actually in the repository (pulp_python answers 202 before it is);
  - sequential twine (token) into an index already holding --big files (bulk-loaded, no
    twine), and the ratio empty / big index (target: within 1.2x);
  - --concurrent twine processes at once into one fresh index, each with its own files
    (--concurrent-files in all, split evenly): files/s from the first start to the last end,
    the failed twine runs (must be 0), the retries twine made on server errors, the files
    the index holds afterwards (after a fold), and the CPU seconds twine and each part of the
    stack (api, content, worker, postgres) used meanwhile; pulp_python the same way, and until
    installable;
  - version bookkeeping: --bookkeeping-files sequential uploads (token, one twine process per
    --chunk files) into one fresh index (0 skips). At 1/4, 1/2 and all of them the pending
    uploads are folded (POST <repository>fold/, skipped with a note while the plugin has no
    such action) and pulpcore's version rows are counted: versions, the content ids they
    store in all (each version stores its whole list, so one version per upload stores about
    N^2/2), the version table's bytes, and ids per upload (about flat: linear growth; growing
    with the uploads: quadratic). The whole run also gives a sequential rate at that size.
  - reads while uploads run: a project page of the bookkeeping index read with wrk for
    --read-seconds, idle and during its first quarter of uploads (0 skips; needs wrk).

    bench/bootstrap && .bench-venv/bin/python bench/uploads.py [--files 200] [--big 100000] \\
        [--concurrent 8] [--concurrent-files 800] [--bookkeeping-files 10000] [--chunk 250] \\
        [--read-seconds 10]

Prints a table and writes bench/results/uploads.json. Each twine run includes twine's own
start-up (about 0.4 s), the same for every row.
"""

import argparse
import itertools
import resource
import subprocess
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from bench import bulk, simple_api
from bench.common import (
    clients,
    corpus,
    cpu_seconds,
    devstack,
    pulp_python_index,
    ratio,
    save_results,
    start_stack,
    teamindex,
    twine,
    twine_command,
)


def wheels(work, key, count):
    """`count` distinct wheels, projects of two versions each named after `key`."""
    return corpus(work / key, (count + 1) // 2, 2, key)[:count]


def timed_twine(url, user, password, files):
    began = time.monotonic()
    twine(url, user, password, files)
    return time.monotonic() - began


def chunked_twine(url, token, files, chunk):
    """Seconds to upload `files` sequentially, one twine process per `chunk` of them."""
    return sum(
        timed_twine(url, "__token__", token, files[i : i + chunk])
        for i in range(0, len(files), chunk)
    )


def concurrent_twine(stack, url, user, password, file_sets, logs):
    """One twine process per file set, all at once, logging to <logs>-<i>.log: seconds from the
    first start to the last end, failed twine runs, the retries twine made on errors, and the
    CPU seconds twine and each part of the stack used meanwhile."""
    cpu_before = cpu_seconds(stack)
    twine_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.monotonic()
    runs = []
    for i, files in enumerate(file_sets):
        argv, env = twine_command(url, user, password, files)
        log = logs.with_name(f"{logs.name}-{i}.log")
        with log.open("w") as out:
            runs.append((subprocess.Popen(argv, env=env, stdout=out, stderr=out), log))
    failed = [log for process, log in runs if process.wait() != 0]
    seconds = time.monotonic() - began
    show_failures(failed)
    retries = sum(log.read_text().count("appears to have failed") for _, log in runs)
    twine_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = {k: v - cpu_before.get(k, 0.0) for k, v in cpu_seconds(stack).items()}
    cpu["twine"] = sum(
        getattr(twine_after, f) - getattr(twine_before, f) for f in ("ru_utime", "ru_stime")
    )
    return {"s": seconds, "failed": len(failed), "retries": retries, "cpu_s": cpu}


def show_failures(failed_logs):
    for log in failed_logs[:2]:
        print(f"  twine failed ({log.name}), last lines:")
        print("    " + "\n    ".join(log.read_text().strip().splitlines()[-5:]))


def unit_count(admin, repo_href):
    latest = admin.get(repo_href).json()["latest_version_href"]
    present = admin.get(latest).json()["content_summary"]["present"]
    return sum(v["count"] for v in present.values())


def wait_for_count(admin, repo_href, count, timeout=600):
    """Seconds until the repository's latest version holds `count` units."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if unit_count(admin, repo_href) >= count:
            return time.monotonic() - began
        time.sleep(0.2)
    raise SystemExit(f"{repo_href} never reached {count} units")


def wait_for_task(admin, task_href, timeout=1800):
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        task = admin.get(task_href).json()
        if task["state"] == "completed":
            return
        if task["state"] in ("failed", "canceled", "skipped"):
            raise SystemExit(f"task {task_href} {task['state']}: {task.get('error')}")
        time.sleep(0.1)
    raise SystemExit(f"task {task_href} did not finish in {timeout} s")


def fold(admin, repo_href):
    """Fold the index's pending uploads into a repository version: seconds until its task
    completed, or None while the plugin has no fold action."""
    began = time.monotonic()
    response = admin.post(f"{repo_href}fold/", json={})
    if response.status_code in (404, 405):
        print(f"  note: no fold action yet (HTTP {response.status_code}), fold step skipped")
        return None
    if response.status_code != 202:
        raise SystemExit(f"fold: HTTP {response.status_code} {response.text}")
    wait_for_task(admin, response.json()["task"])
    return time.monotonic() - began


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
    parser.add_argument("--files", type=int, default=200, help="wheels per sequential row")
    parser.add_argument("--big", type=int, default=100000, help="files in the big index")
    parser.add_argument("--concurrent", type=int, default=8, help="twine processes at once")
    # 100 files per twine process, as the figures in docs/benchmarks.md were measured
    parser.add_argument("--concurrent-files", type=int, default=800, help="in all, split evenly")
    parser.add_argument("--bookkeeping-files", type=int, default=10000, help="0 skips")
    parser.add_argument("--chunk", type=int, default=250, help="files per twine (bookkeeping)")
    parser.add_argument("--read-seconds", type=int, default=10, help="wrk run; 0 skips row 5")
    args = parser.parse_args()
    stack = start_stack("uploads")
    try:
        results = run(stack, args)
    finally:
        devstack.destroy(stack)
    report(results)


def run(stack, args):
    admin, publisher = clients(stack)
    with tempfile.TemporaryDirectory(prefix="bench-corpus-") as tmp:
        work = Path(tmp)
        results = {
            "files": args.files,
            "big": args.big,
            **sequential(stack, admin, publisher, work, args.files, args.big),
            "concurrent": concurrent(
                stack, admin, publisher, work, args.concurrent, args.concurrent_files
            ),
        }
        if args.bookkeeping_files:
            files = wheels(work, "bk", args.bookkeeping_files)
            results["bookkeeping"], results["reads"] = bookkeeping(
                stack, admin, publisher, files, args.chunk, args.read_seconds
            )
            results["bookkeeping_chunk"] = args.chunk
    return results


def sequential(stack, admin, publisher, work, files, big):
    """Rows 1 and 2: seconds for `files` sequential uploads, empty indexes and a big one."""
    sets = {key: wheels(work, key, files) for key in ("pw", "tok", "py", "bigidx")}
    results = {}
    repo, dist = teamindex(admin)
    url = dist["upload_url"]
    results["teamindex_password_s"] = timed_twine(url, "publisher", publisher.password, sets["pw"])
    token = issue_token(publisher, repo)
    results["teamindex_token_s"] = timed_twine(url, "__token__", token, sets["tok"])

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


def concurrent(stack, admin, publisher, work, processes, total):
    """Row 3: `processes` twine runs at once into one fresh index of each kind."""
    (work / "logs").mkdir()
    per = total // processes
    sets = {k: [wheels(work, f"{k}{i}", per) for i in range(processes)] for k in ("con", "pycon")}

    repo, dist = teamindex(admin)
    token = issue_token(publisher, repo)
    logs = work / "logs" / "teamindex"
    ours = concurrent_twine(stack, dist["upload_url"], "__token__", token, sets["con"], logs)
    ours["fold_s"] = fold(admin, repo)
    ours["in_index"] = unit_count(admin, repo)

    py_repo, py_upload, _ = pulp_python_index(admin)
    logs = work / "logs" / "pulp_python"
    theirs = concurrent_twine(stack, py_upload, "admin", admin.password, sets["pycon"], logs)
    if not theirs["failed"]:
        theirs["installable_s"] = theirs["s"] + wait_for_count(admin, py_repo, per * processes)
    return {
        "processes": processes,
        "files": per * processes,
        "teamindex": ours,
        "pulp_python": theirs,
    }


def bookkeeping(stack, admin, publisher, files, chunk, reads):
    """Row 4: sequential uploads into one fresh index, folded and counted at 1/4, 1/2, all.
    With `reads`, a project page of the index is read (wrk) idle, then during the first
    quarter of the uploads (row 5)."""
    repo, dist = teamindex(admin)
    token = issue_token(publisher, repo)
    bounds = [0, len(files) // 4, len(files) // 2, len(files)]
    checkpoints, page = [], None
    if reads:
        twine(dist["upload_url"], "__token__", token, files[:1])
        page = dist["index_url"] + files[0].name.split("-")[0].replace("_", "-") + "/"
        idle = simple_api.wrk(page, reads)
    for start, end in itertools.pairwise(bounds):
        start = max(start, 1 if reads else 0)
        upload = partial(chunked_twine, dist["upload_url"], token, files[start:end], chunk)
        if page and not checkpoints:
            upload_s, busy = during(upload, partial(simple_api.wrk, page, reads))
            reads_row = {"idle": idle, "during_uploads": busy}
        else:
            upload_s = upload()
        point = {"uploads": end, "upload_s": upload_s, "fold_s": fold(admin, repo)}
        checkpoints.append({**point, **version_bookkeeping(stack, repo)})
        print(f"  bookkeeping: {end} uploads, {checkpoints[-1]}", flush=True)
    return checkpoints, reads_row if page else None


def during(work, measure):
    """(work's result, measure's result), `measure` run while `work` runs, started a second
    after it."""
    with ThreadPoolExecutor(1) as pool:

        def delayed():
            time.sleep(1)
            return measure()

        measured = pool.submit(delayed)
        result = work()
        return result, measured.result()


def report(r):
    rate = report_sequential(r)
    report_concurrent(r["concurrent"])
    if "bookkeeping" in r:
        report_bookkeeping(r["bookkeeping"], r["bookkeeping_chunk"])
    if r.get("reads"):
        report_reads(r["reads"])
    save_results("uploads", {**r, "rates": rate})


def report_sequential(r):
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
        print(f"  {label:<52} {value:8.1f}")
    print("Ratios")
    pairs = [
        ("teamindex (password) / pulp_python installable", "password", "pulp_python_installable"),
        ("teamindex (password) / pulp_python twine-visible", "password", "pulp_python_twine"),
        (f"empty / {r['big']}-file index (token; target <= 1.2x)", "token", "teamindex_big_token"),
    ]
    for label, a, b in pairs:
        print(f"  {label:<52} {ratio(rate[f'teamindex_{a}_s'], rate[f'{b}_s']):>8}")
    return rate


def report_concurrent(c):
    n, ours, theirs = c["files"], c["teamindex"], c["pulp_python"]
    print(
        f"{c['processes']} twine processes at once, {n} wheels in all into one fresh index "
        "(files/s, first start to last end)"
    )
    print(
        f"  {'pulp_teamindex, token':<52} {n / ours['s']:8.1f}   failed twine runs: "
        f"{ours['failed']} (must be 0), retries: {ours['retries']}, "
        f"files in the index after: {ours['in_index']}/{n}"
    )
    cpu = ours["cpu_s"]
    print(
        f"  CPU seconds meanwhile (pulp_teamindex, {n} files): "
        + ", ".join(f"{k} {v:.2f}" for k, v in sorted(cpu.items()))
        + f"; {sum(cpu.values()) / n * 1000:.1f} ms of CPU per upload in all"
    )
    print(
        f"  {'pulp_python, as twine sees it (202)':<52} {n / theirs['s']:8.1f}   failed twine "
        f"runs: {theirs['failed']}, retries: {theirs['retries']}"
    )
    if "installable_s" in theirs:
        installable = n / theirs["installable_s"]
        print(f"  {'pulp_python, until installable':<52} {installable:8.1f}")
        print(
            f"  {'teamindex / pulp_python installable':<52} {ratio(n / ours['s'], installable):>8}"
        )


def report_bookkeeping(points, chunk):
    total = points[-1]["uploads"]
    seconds = sum(p["upload_s"] for p in points)
    print(
        f"Version bookkeeping: {total} sequential uploads into one fresh index (token, one twine "
        f"per {chunk} files): {total / seconds:.1f} files/s, folds not counted"
    )
    print("  uploads  versions  content ids  ids/upload  table bytes  fold s")
    for p in points:
        fold_s = "-" if p["fold_s"] is None else f"{p['fold_s']:.1f}"
        print(
            f"  {p['uploads']:>7}  {p['versions']:>8}  {p['content_ids']:>11}  "
            f"{p['content_ids'] / max(p['uploads'], 1):>10.1f}  {p['table_bytes']:>11}  {fold_s:>6}"
        )
    first, last = points[0], points[-1]
    if first["uploads"] and first["content_ids"]:
        growth = (last["content_ids"] / last["uploads"]) / (first["content_ids"] / first["uploads"])
        print(
            f"  ids per upload grew {growth:.1f}x while uploads grew "
            f"{last['uploads'] / first['uploads']:.1f}x (linear bookkeeping: about flat; "
            "quadratic: grows with the uploads)"
        )


def report_reads(reads):
    idle, busy = reads["idle"], reads["during_uploads"]
    print("A project page of that index, read with wrk (16 connections) on the same 2 cores")
    for label, row in (("idle", idle), ("during sequential uploads", busy)):
        print(
            f"  {label:<52} {row['rps']:8.0f} req/s   p99 {row['p99_ms']:.2f} ms   "
            f"non-2xx {row['non_2xx']}"
        )
    print(f"  {'idle / during uploads':<52} {ratio(idle['rps'], busy['rps']):>8}")


if __name__ == "__main__":
    main()
