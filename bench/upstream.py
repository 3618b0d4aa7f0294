"""Upstream benchmark (issue #25): installs and page reads through an index's upstream, against
the same clients reading the upstream directly, and what the download record costs.

  - the upstream: a public team index of another deployment (a second stack) holding a
    31-project dependency chain, with what PyPI offers (PEP 691 JSON, PEP 658 metadata, upload
    times); the index under test is an empty team index reading it as its upstream (no
    cooldown);
  - `uv pip install` and `pip download` of the chain's top, warm (every page read and file
    fetched once before), median of interleaved runs: through the index and directly;
  - resolving without downloading: `pip install --dry-run` and `uv pip compile` through two
    fresh indexes, counting in the download record the wheels they fetched (none expected:
    they read `.metadata` files);
  - wrk on one project page read through the upstream (warm) and on the same page of an index
    holding its own copy of the chain;
  - wrk on one file download with the download record on (this stack) and off (the second
    stack runs with TEAMINDEX_DOWNLOAD_RECORD_DAYS=0), in interleaved rounds.

    bench/bootstrap && .bench-venv/bin/python bench/upstream.py [--duration 10] [--rounds 7]
"""

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from helpers import isolated_env

from bench.common import (
    BIN,
    clients,
    corpus,
    devstack,
    interleaved_medians,
    pip_download_seconds,
    ratio,
    save_results,
    start_stack,
    teamindex,
    twine,
    uv_install_seconds,
)
from bench.simple_api import JSON, wrk

TOP = "chain-p00030"
FLUSH = 1.0  # the download record is written every second here, so that it can be read at once


def published_chain(admin, publisher, work, prefix="chain"):
    """A public team index holding a 31-project chain: (its distribution, the chain's files)."""
    repo, dist = teamindex(admin)
    token = publisher.post(
        "teamindex/tokens/", json={"name": "bench", "repositories": [repo]}
    ).json()["token"]
    chain = corpus(work / prefix, 31, 1, prefix)
    twine(dist["upload_url"], "__token__", token, chain)
    return dist, chain


def reading(admin, upstream_dist):
    """A new, empty team index whose upstream is `upstream_dist`: its distribution."""
    repo, _ = teamindex(admin)
    admin.ok(admin.patch(repo, json={"upstream": upstream_dist["index_url"]}))
    return admin.get(admin.get(repo).json()["distribution"]).json()


def downloads_of(admin, dist):
    """How many files the download record counts for the index of `dist`."""
    time.sleep(FLUSH * 3)
    rows = admin.get("teamindex/downloads/", params={"index_name": dist["name"], "limit": 1000})
    return sum(row["count"] for row in rows.json()["results"])


def resolve_without_installing(index_url, tool):
    """Resolve the chain through `index_url` without installing it (pip or uv)."""
    with tempfile.TemporaryDirectory(prefix="bench-resolve-") as work:
        if tool == "pip":
            argv = [BIN / "python", "-m", "pip", "--isolated", "install", "--no-cache-dir"]
            argv += ["--dry-run", "--ignore-installed", "--target", work]
        else:
            Path(work, "in.txt").write_text(TOP + "\n")
            argv = [BIN / "uv", "pip", "compile", "--no-config", "--no-cache", "-q"]
            argv += [f"{work}/in.txt", "-o", f"{work}/out.txt"]
        argv += ["--index-url", index_url, TOP] if tool == "pip" else ["--index-url", index_url]
        done = subprocess.run(argv, capture_output=True, text=True, env=isolated_env())
        if done.returncode != 0:
            raise SystemExit(f"{tool} could not resolve through {index_url}: {done.stderr}")


def file_rounds(urls, duration, rounds):
    """Median wrk req/s of each file URL over interleaved rounds."""
    seen = {name: [] for name in urls}
    for _ in range(rounds):
        for name, url in urls.items():
            seen[name].append(wrk(url, duration)["rps"])
    return {name: statistics.median(values) for name, values in seen.items()}


def run(stack, other, args):
    """`other` is another deployment: its index is the upstream (a name published in this
    deployment is never read from an upstream here)."""
    admin, publisher = clients(stack)
    work = Path(tempfile.mkdtemp(prefix="bench-upstream-"))
    upstream, chain = published_chain(*clients(other), work / "upstream")
    own, own_chain = published_chain(admin, publisher, work / "own", prefix="own")
    through = reading(admin, upstream)
    indexes = {"through_index": through["index_url"], "upstream_directly": upstream["index_url"]}
    r = {"duration_s": args.duration, "rounds": args.rounds}
    uv_install_seconds(through["index_url"], TOP)  # warm: every page read, every file fetched
    pip_download_seconds(through["index_url"], TOP)
    r["uv_install_s"] = interleaved_medians(uv_install_seconds, indexes, lambda _: TOP, args.rounds)
    r["pip_download_s"] = interleaved_medians(
        pip_download_seconds, indexes, lambda _: TOP, args.rounds
    )
    for tool in ("pip", "uv"):
        fresh = reading(admin, upstream)
        resolve_without_installing(fresh["index_url"], tool)
        r[f"{tool}_resolve_wheels_downloaded"] = downloads_of(admin, fresh)

    r["pages"] = {
        "through_upstream_json": wrk(through["index_url"] + f"{TOP}/", args.duration, accept=JSON),
        "own_json": wrk(own["index_url"] + "own-p00030/", args.duration, accept=JSON),
        "through_upstream_html": wrk(through["index_url"] + f"{TOP}/", args.duration),
        "own_html": wrk(own["index_url"] + "own-p00030/", args.duration),
    }
    first = next(p.name for p in chain if p.name.startswith("chain_p00000"))
    own_first = next(p.name for p in own_chain if p.name.startswith("own_p00000"))
    urls = {
        "record_on": own["base_url"] + "packages/" + own_first,
        "record_off": upstream["base_url"] + "packages/" + first,
    }
    r["file_rps"] = file_rounds(urls, args.duration, args.rounds)
    r["recorded_downloads"] = downloads_of(admin, own)
    return r


def report(r):
    uv, pip, pages, files = r["uv_install_s"], r["pip_download_s"], r["pages"], r["file_rps"]
    rows = [
        ("uv pip install, 31-project chain, warm", uv["through_index"], uv["upstream_directly"]),
        ("pip download, same chain, warm", pip["through_index"], pip["upstream_directly"]),
    ]
    print(
        "\n| what | through the index | upstream directly | ratio |\n| --- | ---: | ---: | ---: |"
    )
    for what, through, direct in rows:
        print(f"| {what} | {through:.2f} s | {direct:.2f} s | {ratio(through, direct)} |")
    print("\n| page | through the upstream req/s | own page req/s | share |")
    print("| --- | ---: | ---: | ---: |")
    for kind in ("json", "html"):
        up, own = pages[f"through_upstream_{kind}"], pages[f"own_{kind}"]
        share = up["rps"] / own["rps"] if own["rps"] else 0
        print(f"| {kind} | {up['rps']:,.0f} (p99 {up['p99_ms']:.2f} ms) | {own['rps']:,.0f} "
              f"(p99 {own['p99_ms']:.2f} ms) | {share:.0%} |")  # fmt: skip
    cost = 1 - files["record_on"] / files["record_off"] if files["record_off"] else 0
    print(f"\nfile downloads: {files['record_on']:,.0f} req/s with the download record, "
          f"{files['record_off']:,.0f} without ({cost:+.1%} cost); "
          f"{r['recorded_downloads']:,} downloads recorded")  # fmt: skip
    print(f"wheels downloaded to resolve the chain: pip {r['pip_resolve_wheels_downloaded']}, "
          f"uv {r['uv_resolve_wheels_downloaded']}")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk row")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved client runs")
    args = parser.parse_args()
    stack = start_stack("upstream", TEAMINDEX_DOWNLOAD_RECORD_FLUSH=FLUSH)
    try:
        other = start_stack("other", TEAMINDEX_DOWNLOAD_RECORD_DAYS=0)
        try:
            results = run(stack, other, args)
        finally:
            devstack.destroy(other)
    finally:
        devstack.destroy(stack)
    save_results("upstream", results)
    report(results)


if __name__ == "__main__":
    main()
