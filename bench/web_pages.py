"""Web pages benchmark (issue #27): an index's page, its search and a project's page, served by
the content app, at --files files in --projects projects (the discovery benchmark's corpus);
and the deployment page (`_indexes/`) over that index and --indexes more, half of them private
behind a guard each: anonymous, signed in (a reader of one private index, whose credentials the
content app remembers) and a search across the indexes.

  - cold: the first request of each page after an upload to the project (which forgets its
    pages and the index's list: rendered from the database), one at a time, median of --cold
    rounds;
  - warm: each page with wrk (16 connections), from the content app's memory, beside the
    simple API's project page for comparison.

    bench/bootstrap && .bench-venv/bin/python bench/web_pages.py [--duration 10]
"""

import argparse
import base64
import statistics
import tempfile
import time

import distgen
import requests
from helpers import legacy_post

from bench import bulk
from bench.common import benchmark, clients, save_results, teamindex
from bench.discovery import FILL, WORDS
from bench.simple_api import wrk

FIRST = "web-00000"  # the project the cold rounds upload to
READER = ("bench-reader", "Bench-reader-123")  # reads one private index


def run(stack, args):
    admin, publisher = clients(stack)
    repo, dist = teamindex(admin)
    per_project = max(1, args.files // args.projects)
    template = FILL.replace("{words!r}", repr(WORDS))
    r = {"files": bulk.load(stack, template, repo, "web", args.projects, per_project)}
    base = dist["index_url"].rsplit("simple/", 1)[0]
    project = FIRST
    urls = {
        "index_page": base,
        "index_search": f"{base}?q={WORDS[1]}",
        "project_page": f"{base}project/{project}/",
        "simple_project_page": f"{dist['index_url']}{project}/",
    }
    deployment = f"{stack.content_origin}/pulp/content/_indexes/"
    r["indexes"] = 1 + more_indexes(admin, args.indexes)
    urls["deployment_page"] = deployment
    urls["deployment_search"] = f"{deployment}?q={WORDS[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        r["cold_ms"] = cold(publisher, dist, urls, args.cold, tmp)
    r["warm"] = {name: wrk(url, args.duration) for name, url in urls.items()}
    header = "Basic " + base64.b64encode(":".join(READER).encode()).decode()
    assert requests.get(deployment, headers={"Authorization": header}, timeout=60).ok
    r["warm"]["deployment_page_signed_in"] = wrk(deployment, args.duration, header=header)
    return r


def more_indexes(admin, count):
    """`count` small indexes, every other one behind a guard of its own; READER reads the
    first private one."""
    made = admin.post("users/", json={"username": READER[0], "password": READER[1]})
    assert made.status_code == 201, made.text
    for i in range(count):
        _repo, dist = teamindex(admin, f"bench-{i:04d}")
        if i % 2:
            guard = admin.post("contentguards/core/rbac/", json={"name": f"g-{i}"}).json()
            if i == 1:
                role = {"role": "core.rbaccontentguard_downloader", "users": [READER[0]]}
                admin.post(guard["pulp_href"] + "add_role/", json=role)
            body = {"content_guard": guard["pulp_href"]}
            admin.ok(admin.patch(dist["pulp_href"], json=body))
    return count


def cold(publisher, dist, urls, rounds, tmp):
    """{page: median ms of its first request after an upload to its project, which forgets
    it (and the index's list)}."""
    times = {name: [] for name in urls}
    for i in range(rounds):
        made = distgen.wheel(tmp, FIRST, f"9.{i}")
        auth = (publisher.username, publisher.password)
        sent = legacy_post({"distribution": dist}, auth, made.name, made.read_bytes())
        assert sent.status_code == 200, sent.text
        for name, url in urls.items():
            began = time.perf_counter()
            answer = requests.get(url, timeout=60)
            times[name].append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 200, (url, answer.status_code)
    return {name: round(statistics.median(t), 1) for name, t in times.items()}


def report(r):
    print(f"{r['files']} files, {r.get('indexes', 1)} indexes")
    for name, ms in r["cold_ms"].items():
        print(f"cold {name:20} {ms:8.1f} ms")
    for name, figures in r["warm"].items():
        print(
            f"warm {name:20} {figures['rps']:>9.0f} req/s  p99 {figures['p99_ms']:.1f} ms"
            f"  non-2xx {figures['non_2xx']}  {figures['socket_errors']}"
        )
    save_results("web_pages", r)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--cold", type=int, default=5)
    parser.add_argument("--indexes", type=int, default=50)
    args = parser.parse_args()
    benchmark("web_pages", run, report, args)


if __name__ == "__main__":
    main()
