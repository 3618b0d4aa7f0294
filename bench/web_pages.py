"""Web pages benchmark (issue #27): an index's page, its search and a project's page, served by
the content app, at --files files in --projects projects (the discovery benchmark's corpus).

  - cold: the first request of each page after an upload to the project (which forgets its
    pages and the index's list: rendered from the database), one at a time, median of --cold
    rounds;
  - warm: each page with wrk (16 connections), from the content app's memory, beside the
    simple API's project page for comparison.

    bench/bootstrap && .bench-venv/bin/python bench/web_pages.py [--duration 10]
"""

import argparse
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
    with tempfile.TemporaryDirectory() as tmp:
        r["cold_ms"] = cold(publisher, dist, urls, args.cold, tmp)
    r["warm"] = {name: wrk(url, args.duration) for name, url in urls.items()}
    return r


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
    print(f"{r['files']} files")
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
    args = parser.parse_args()
    benchmark("web_pages", run, report, args)


if __name__ == "__main__":
    main()
