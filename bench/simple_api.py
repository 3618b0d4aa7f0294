"""Simple API benchmark: how fast installers are served, side by side in one run.

Compares pulp_teamindex (content app), pulp_python (its /pypi/ simple view) on the same
pulpcore stack, and nginx serving a static export of the same files:
  - project page throughput and latency with wrk (16 connections), HTML and JSON;
  - the same for pulp_teamindex at --big files across --big-projects projects, on one page
    and rotating over every project (a cold-ish cache), with the content app's memory;
  - `pip download` of a 31-project dependency chain (median of 9 interleaved runs).

    bench/bootstrap && .bench-venv/bin/python bench/simple_api.py [--duration 60]

Needs wrk and nginx (Debian packages wrk, nginx-light; bench/bootstrap installs them).
"""

import argparse
import re
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench import bulk
from bench.common import (
    benchmark,
    clients,
    corpus,
    devstack,
    interleaved_medians,
    pip_download_seconds,
    pulp_python_index,
    ratio,
    save_results,
    teamindex,
    twine,
)
from pulp_teamindex.app.distfiles import inspect_distribution
from pulp_teamindex.app.simple import render as simple_render

JSON = "application/vnd.pypi.simple.v1+json"
EPOCH = datetime.fromtimestamp(0, UTC)
PIP_ROUNDS = 9
# each wrk thread walks its own half of the projects, so one pass covers every page once
ROTATE_LUA = """
local threads = {{}}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  counter = id
end
request = function()
  counter = counter + 2
  return wrk.format("GET", string.format("{base}{prefix}-%05d/", counter % {projects}))
end
"""


def wrk(url, duration, accept=None, script=None, header=None):
    """wrk's figures for `url`; `header` is an Authorization header value to send."""
    cmd = ["wrk", "-t2", "-c16", f"-d{duration}s", "--latency"]
    if accept:
        cmd += ["-H", f"Accept: {accept}"]
    if header:
        cmd += ["-H", f"Authorization: {header}"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out)[1])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p99_ms": p99,
        "non_2xx": int(errors[1]) if errors else 0,
        "socket_errors": socket_errors[1] if socket_errors else "",
    }


def _ms(text):
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def static_export(files, root):
    """The same pages and files as static files for nginx, PEP 658 metadata included, so pip
    makes the same requests to both: the 'as fast as it gets' baseline."""
    by_project = {}
    (root / "packages").mkdir(parents=True)
    for path in files:
        info = inspect_distribution(path, path.name)
        shutil.copy(path, root / "packages" / path.name)
        (root / "packages" / f"{path.name}.metadata").write_bytes(info.metadata)
        by_project.setdefault(info.normalized_name, []).append(
            simple_render.FileEntry(
                filename=info.filename,
                url=f"../../packages/{info.filename}",
                sha256=info.sha256,
                requires_python=info.requires_python,
                size=info.size,
                upload_time=EPOCH,
                version=info.version,
                metadata_sha256=info.metadata_sha256,
            )
        )
    for name, entries in by_project.items():
        page = root / "simple" / name
        page.mkdir(parents=True)
        (page / "index.html").write_text(simple_render.project_page_html(name, entries))
    (root / "simple" / "index.html").write_text(
        simple_render.project_list_html({n: n for n in by_project})
    )


def start_nginx(root, port, work):
    conf = work / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  types {{ text/html html; }}
  default_type application/octet-stream;
  server {{
    listen 127.0.0.1:{port};
    root {root};
    index index.html;
    location / {{ try_files $uri $uri/ =404; }}
  }}
}}
""")
    subprocess.run(["nginx", "-c", str(conf), "-p", str(work)], check=True)
    return lambda: subprocess.run(["nginx", "-c", str(conf), "-p", str(work), "-s", "stop"])


def content_app_rss_mb(stack):
    """Resident memory of the content app's processes (master and workers)."""
    pid = int((stack.state_dir / "content.pid").read_text())
    pids = [pid] + [
        int(p)
        for p in subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True
        ).stdout.split()
    ]
    total = 0
    for p in pids:
        status = Path(f"/proc/{p}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+)", status)[1])
    return total / 1024


def run(stack, args):
    admin, publisher = clients(stack)
    work = Path(tempfile.mkdtemp(prefix="bench-simple-"))
    work.chmod(0o755)  # nginx workers run as www-data
    r = {"duration_s": args.duration}

    # the same 31-project dependency chain on all three servers
    chain = corpus(work / "chain", 31, 1, "chain")
    repo, dist = teamindex(admin)
    token = publisher.post(
        "teamindex/tokens/", json={"name": "bench", "repositories": [repo]}
    ).json()["token"]
    twine(dist["upload_url"], "__token__", token, chain)
    py_repo, py_upload, py_index = pulp_python_index(admin)
    twine(py_upload, "admin", admin.password, chain)
    while admin.get(admin.get(py_repo).json()["latest_version_href"]).json()["number"] < 31:
        time.sleep(0.2)
    static_export(chain, work / "static")
    nginx_port = devstack.free_port()
    stop_nginx = start_nginx(work / "static", nginx_port, work)
    nginx_index = f"http://127.0.0.1:{nginx_port}/simple/"
    try:
        top = "chain-p00030"
        indexes = {"teamindex": dist["index_url"], "pulp_python": py_index, "nginx": nginx_index}
        r["pip_s"] = interleaved_medians(
            pip_download_seconds, indexes, lambda _name: top, PIP_ROUNDS
        )
        # project pages at 1k files (500 projects x 2 versions), same names on each server
        bulk.load(stack, bulk.TEAMINDEX, repo, "small", 500, 2)
        bulk.load(stack, bulk.PULP_PYTHON, py_repo, "small", 500, 2)
        page = "small-00250/"
        subprocess.run(["curl", "-sf", "-o", "/dev/null", dist["index_url"] + page], check=True)
        r["small"] = {
            "teamindex_html": wrk(dist["index_url"] + page, args.duration),
            "teamindex_json": wrk(dist["index_url"] + page, args.duration, accept=JSON),
            "pulp_python_html": wrk(py_index + page, args.duration),
            "nginx_static_html": wrk(nginx_index + f"{top}/", args.duration),
        }
    finally:
        stop_nginx()

    # pulp_teamindex at scale
    big_repo, big_dist = teamindex(admin)
    per_project = max(1, args.big // args.big_projects)
    began = time.monotonic()
    r["big_files"] = bulk.load(
        stack, bulk.TEAMINDEX, big_repo, "big", args.big_projects, per_project
    )
    r["big_load_s"] = time.monotonic() - began
    base = big_dist["index_url"]
    rss_before = content_app_rss_mb(stack)
    lua = work / "rotate.lua"
    lua.write_text(
        ROTATE_LUA.format(base=urlsplit(base).path, prefix="big", projects=args.big_projects)
    )
    r["big"] = {
        "one_page_html": wrk(base + "big-02500/", args.duration),
        "one_page_json": wrk(base + "big-02500/", args.duration, accept=JSON),
        "all_pages_cold": wrk(base, args.duration, script=str(lua)),
        "all_pages_warm": wrk(base, args.duration, script=str(lua)),
    }
    # one upload makes a new version; only its project's pages may be rendered again
    big_token = publisher.post(
        "teamindex/tokens/", json={"name": "bench", "repositories": [big_repo]}
    ).json()["token"]
    twine(big_dist["upload_url"], "__token__", big_token, corpus(work / "fresh", 1, 1, "fresh"))
    r["big"]["all_pages_after_upload"] = wrk(base, args.duration, script=str(lua))
    r["content_rss_mb"] = {"before_big": rss_before, "after_big": content_app_rss_mb(stack)}
    return r


def report(r):
    s, b = r["small"], r["big"]
    print(f"\nProject page, 16 connections, {r['duration_s']} s each (requests/s, p99 ms)")
    for label, row in [
        ("pulp_teamindex HTML (1k files)", s["teamindex_html"]),
        ("pulp_teamindex JSON (1k files)", s["teamindex_json"]),
        ("pulp_python HTML (1k files)", s["pulp_python_html"]),
        ("nginx static HTML", s["nginx_static_html"]),
        (f"pulp_teamindex HTML ({r['big_files']} files), one page", b["one_page_html"]),
        (f"pulp_teamindex JSON ({r['big_files']} files), one page", b["one_page_json"]),
        (f"pulp_teamindex HTML ({r['big_files']} files), all pages, cold", b["all_pages_cold"]),
        (f"pulp_teamindex HTML ({r['big_files']} files), all pages, warm", b["all_pages_warm"]),
        ("  ... all pages, right after an upload", b["all_pages_after_upload"]),
    ]:
        print(
            f"  {label:<52} {row['rps']:>9.0f} {row['p99_ms']:>8.2f}  "
            f"non-2xx={row['non_2xx']} {row['socket_errors']}"
        )
    print("Ratios")
    print(
        f"  teamindex / pulp_python (HTML)        "
        f"{ratio(s['teamindex_html']['rps'], s['pulp_python_html']['rps'])}"
    )
    print(
        f"  teamindex at {r['big_files']} / at 1k files   "
        f"{ratio(b['one_page_html']['rps'], s['teamindex_html']['rps'])}"
    )
    p = r["pip_s"]
    print(f"pip download of a 31-project chain (median of {PIP_ROUNDS}, seconds)")
    for name in ("teamindex", "pulp_python", "nginx"):
        print(f"  {name:<12} {p[name]:6.2f}   ({p[name] / p['nginx']:.2f}x nginx)")
    m = r["content_rss_mb"]
    print(
        f"content app RSS: {m['before_big']:.0f} MB before, {m['after_big']:.0f} MB after "
        f"serving every page of {r['big_files']} files"
    )
    save_results("simple_api", r)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--big-projects", type=int, default=5000)
    args = parser.parse_args()
    benchmark("simple", run, report, args)


if __name__ == "__main__":
    main()
