"""Discoverability benchmark (issue #27): PyPI's JSON API against the simple pages it mirrors,
and search across indexes, at --files files in --projects projects.

  - one project's JSON API document and its simple page (HTML and PEP 691 JSON), warm, with wrk
    (16 connections): the JSON API is answered from the content app's memory like a page;
  - search (`GET /pulp/api/v3/teamindex/search/`), one request at a time with a logged-in
    session, as a user who may not read a second, private index: for an exact name, a name
    prefix shared by 1/5 of the projects, a substring, a summary word (1/8 of the projects),
    a word every file has, and one nothing has: median, p95 and p99 per kind, beside a REST
    call of the same user that reads almost nothing (the namespaces list): the framework's
    share (session, access policy) of each figure.

    bench/bootstrap && .bench-venv/bin/python bench/discovery.py [--duration 15]
"""

import argparse
import secrets
import statistics
import subprocess
import time

from bench import bulk
from bench.common import Client, benchmark, clients, save_results, teamindex
from bench.simple_api import JSON, wrk

WORDS = ("async", "crypto", "parser", "client", "metrics", "vault", "render", "queue")

# as bulk.TEAMINDEX, with a summary and core metadata per file (search and the JSON API read them)
FILL = """
import hashlib
from django.db import transaction
from pulp_teamindex.app.models import PackageFile, TeamIndexRepository
repo = TeamIndexRepository.objects.get(pk="{repo_pk}")
words = {words!r}
with transaction.atomic():  # one create per unit: a content unit is a multi-table model
    for p in range({projects}):
        name = f"{prefix}-{{p:05d}}"
        summary = f"{{words[p % len(words)]}} toolkit number {{p}} for team services"
        for v in range({versions}):
            fn = f"{prefix}_{{p:05d}}-1.{{v}}.0-py3-none-any.whl"
            meta = (f"Metadata-Version: 2.1\\nName: {{name}}\\nVersion: 1.{{v}}.0\\n"
                    f"Summary: {{summary}}\\nRequires-Python: >=3.8\\n"
                    "Requires-Dist: requests>=2\\n\\nA long description.\\n").encode()
            PackageFile.objects.create(
                filename=fn, name=name, normalized_name=name, version=f"1.{{v}}.0",
                packagetype="bdist_wheel", requires_python=">=3.8", summary=summary,
                sha256=hashlib.sha256(fn.encode()).hexdigest(), size=1000, metadata=meta,
                metadata_sha256=hashlib.sha256(meta).hexdigest())
with repo.new_version() as version:
    version.add_content(PackageFile.objects.filter(filename__startswith="{prefix}_"))
print(repo.latest_version().content.count())
"""


def run(stack, args):
    admin, _publisher = clients(stack)
    repo, dist = teamindex(admin)
    per_project = max(1, args.files // args.projects)
    template = FILL.replace("{words!r}", repr(WORDS))
    began = time.monotonic()
    r = {"files": bulk.load(stack, template, repo, "disc", args.projects, per_project)}
    r["load_s"] = time.monotonic() - began
    # a private index beside it, that the searching user may not read: scoping is measured too
    other, other_dist = teamindex(admin)
    bulk.load(stack, template, other, "hidden", 500, 2)
    guard = admin.post("contentguards/core/rbac/", json={"name": "bench-private"}).json()
    admin.ok(admin.patch(other_dist["pulp_href"], json={"content_guard": guard["pulp_href"]}))
    project = f"disc-{args.projects // 2:05d}"
    base = dist["index_url"].rsplit("simple/", 1)[0]
    json_doc, page = f"{base}pypi/{project}/json", f"{dist['index_url']}{project}/"
    for url in (json_doc, page):
        subprocess.run(["curl", "-sf", "-o", "/dev/null", url], check=True)
    r["read"] = {
        "json_api": wrk(json_doc, args.duration),
        "page_html": wrk(page, args.duration),
        "page_json": wrk(page, args.duration, accept=JSON),
    }
    password = secrets.token_urlsafe(16)
    admin.post("users/", json={"username": "searcher", "password": password})
    r["search"] = search_latencies(Client(stack, "searcher", password), args)
    return r


def search_latencies(user, args):
    """{kind: {median_ms, p99_ms, hits}} over --queries requests of each kind, one at a time."""
    assert user.post("login/").status_code == 201  # a session: no password hash per request
    user.session.auth = None
    user.session.headers["X-CSRFToken"] = user.session.cookies["csrftoken"]
    kinds = {
        "exact_name": lambda i: f"disc-{(i * 37) % args.projects:05d}",
        "prefix_fifth": lambda i: f"disc-0{i % 5}",  # a fifth of all projects
        "substring": lambda i: f"{(i * 7) % 1000:03d}",
        "summary_word": lambda i: WORDS[i % len(WORDS)],
        "every_file": lambda i: "disc" if i % 2 else "toolkit",  # all 100,000 files match
        "no_match": lambda i: f"zz{i}nothing",
    }
    out = {"rest_baseline": _timed(user, "teamindex/namespaces/", lambda i: {"limit": 1}, args)}
    for kind, query in kinds.items():
        out[kind] = _timed(user, "teamindex/search/", lambda i, q=query: {"q": q(i)}, args)
    return out


def _timed(user, path, params, args):
    """Median, p95 and p99 of --queries GETs of `path`, one at a time, after 20 unmeasured."""
    times, hits = [], 0
    for i in range(-20, args.queries):
        began = time.perf_counter()
        answer = user.get(path, params=params(i))
        elapsed = (time.perf_counter() - began) * 1000
        assert answer.status_code == 200, answer.text
        found = answer.json()["results"]
        assert not any(hit.get("name", "").startswith("hidden-") for hit in found), found
        if i >= 0:
            times.append(elapsed)
            hits += len(found)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "p99_ms": round(times[int(len(times) * 0.99) - 1], 1),
        "hits_per_query": round(hits / args.queries, 1),
    }


def report(r):
    print(f"{r['files']} files loaded in {r['load_s']:.0f} s")
    for name, figures in r["read"].items():
        print(f"{name:12} {figures['rps']:>9.0f} req/s  p99 {figures['p99_ms']:.1f} ms")
    json_rps, page_rps = r["read"]["json_api"]["rps"], r["read"]["page_json"]["rps"]
    print(f"JSON API / PEP 691 page: {json_rps / page_rps:.0%}")
    for kind, figures in r["search"].items():
        print(
            f"{kind:13} median {figures['median_ms']:6.1f} ms  p95 {figures['p95_ms']:6.1f} ms"
            f"  p99 {figures['p99_ms']:6.1f} ms  ({figures['hits_per_query']} hits)"
        )
    save_results("discovery", r)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    benchmark("discovery", run, report, args)


if __name__ == "__main__":
    main()
