"""Private index benchmark: a guarded index against the same index public, in one run.

The same 31-project dependency chain (under two prefixes, since a name belongs to one index)
sits in two team indexes on one stack, one of them behind an RBAC content guard; pulp_python's
simple view of the public chain is the baseline:
  - project page and file throughput with wrk (16 connections), valid credentials on the
    guarded index;
  - `pip download` and `uv pip install` of the chain (medians of interleaved rounds);
  - the cost of a wrong password (it must stay as high as a full password check);
  - a burst of 16 concurrent first requests with one valid password (a CI fleet starting
    together), after every content app forgot its grants: they share one password check.

    bench/bootstrap && .bench-venv/bin/python bench/private_index.py [--duration 30]
"""

import argparse
import base64
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.common import (
    benchmark,
    clients,
    corpus,
    interleaved_medians,
    pip_download_seconds,
    pulp_python_index,
    ratio,
    save_results,
    teamindex,
    twine,
    uv_install_seconds,
)
from bench.simple_api import wrk

READER, PASSWORD = "bench-reader", "Bench-reader-pass-1"
ROUNDS = 5
PREFIX = {"public": "chain", "private": "priv", "pulp_python": "chain"}


def guard(admin, dist):
    """Put `dist` behind a new RBAC guard that lets the reader in."""
    admin.post("users/", json={"username": READER, "password": PASSWORD})
    g = admin.post("contentguards/core/rbac/", json={"name": "bench-guard"}).json()
    admin.post(
        g["pulp_href"] + "add_role/",
        json={"role": "core.rbaccontentguard_downloader", "users": [READER]},
    )
    admin.wait(admin.patch(dist["pulp_href"], json={"content_guard": g["pulp_href"]}))


def with_credentials(url):
    return url.replace("http://", f"http://{READER}:{PASSWORD}@", 1)


def top(kind):
    return f"{PREFIX[kind]}-p00030"


def wrong_password_ms(url, tries=10):
    """Median time of a request with a wrong password: each must pay a full password check."""
    elapsed = []
    for _ in range(tries):
        began = time.monotonic()
        answer = requests.get(url, auth=(READER, "wrong-password"), timeout=60)
        elapsed.append((time.monotonic() - began) * 1000)
        assert answer.status_code == 401, answer.status_code
    return statistics.median(elapsed)


def first_burst_ms(admin, url, auth, size=16, rounds=5):
    """Median wall time of `size` concurrent requests with the same credentials, each round
    after an access change made every content app forget its grants (a new group)."""
    elapsed = []
    with ThreadPoolExecutor(size) as pool:
        for _ in range(rounds):
            admin.post("groups/", json={"name": f"bench-{uuid.uuid4().hex[:8]}"})
            began = time.monotonic()
            answers = list(
                pool.map(lambda _: requests.get(url, auth=auth, timeout=60), range(size))
            )
            elapsed.append((time.monotonic() - began) * 1000)
            assert {a.status_code for a in answers} == {200}, [a.status_code for a in answers]
    return statistics.median(elapsed)


def run(stack, args):
    admin, publisher = clients(stack)
    work = Path(tempfile.mkdtemp(prefix="bench-private-"))
    chains, dists = {}, {}
    for kind in ("public", "private"):
        chains[kind] = corpus(work / kind, 31, 1, PREFIX[kind])
        repo, dist = teamindex(admin, name=f"bench-{kind}")
        token = publisher.post(
            "teamindex/tokens/", json={"name": kind, "repositories": [repo]}
        ).json()["token"]
        twine(dist["upload_url"], "__token__", token, chains[kind])
        dists[kind] = dist
    guard(admin, dists["private"])
    py_repo, py_upload, py_index = pulp_python_index(admin)
    twine(py_upload, "admin", admin.password, chains["public"])

    public, private = dists["public"]["index_url"], dists["private"]["index_url"]
    header = "Basic " + base64.b64encode(f"{READER}:{PASSWORD}".encode()).decode()
    pages = {"public": public + f"{top('public')}/", "private": private + f"{top('private')}/"}
    files = {
        kind: dists[kind]["index_url"].rsplit("simple/", 1)[0] + "packages/" + chains[kind][-1].name
        for kind in dists
    }
    for url in (*pages.values(), *files.values()):  # resolve the routes first
        requests.get(url, auth=(READER, PASSWORD), timeout=60).raise_for_status()
    r = {"duration_s": args.duration}
    r["wrk"] = {
        "public_page": wrk(pages["public"], args.duration),
        "private_page": wrk(pages["private"], args.duration, header=header),
        "public_file": wrk(files["public"], args.duration),
        "private_file": wrk(files["private"], args.duration, header=header),
        "pulp_python_page": wrk(py_index + f"{top('pulp_python')}/", args.duration),
    }
    indexes = {"public": public, "private": with_credentials(private), "pulp_python": py_index}
    r["pip_s"] = interleaved_medians(pip_download_seconds, indexes, top, ROUNDS)
    r["uv_s"] = interleaved_medians(uv_install_seconds, indexes, top, ROUNDS)
    r["wrong_password_ms"] = wrong_password_ms(pages["private"])
    r["burst_ms"] = {
        "public": first_burst_ms(admin, pages["public"], None),
        "private": first_burst_ms(admin, pages["private"], (READER, PASSWORD)),
    }
    return r


def report(r):
    w = r["wrk"]
    print(f"\nwrk, 16 connections, {r['duration_s']} s each (requests/s, p99 ms)")
    for label, row in [
        ("public index, project page", w["public_page"]),
        ("private index, project page (valid credentials)", w["private_page"]),
        ("public index, a wheel", w["public_file"]),
        ("private index, a wheel (valid credentials)", w["private_file"]),
        ("pulp_python, project page (public)", w["pulp_python_page"]),
    ]:
        print(
            f"  {label:<50} {row['rps']:>9.0f} {row['p99_ms']:>8.2f}  "
            f"non-2xx={row['non_2xx']} {row['socket_errors']}"
        )
    print(
        f"  private / public page: {ratio(w['private_page']['rps'], w['public_page']['rps'])}; "
        f"private / pulp_python: {ratio(w['private_page']['rps'], w['pulp_python_page']['rps'])}"
    )
    for tool in ("pip", "uv"):
        t = r[f"{tool}_s"]
        print(f"{tool} of the 31-project chain (median of {ROUNDS}, seconds)")
        for name in ("public", "private", "pulp_python"):
            print(f"  {name:<12} {t[name]:6.2f}   ({t[name] / t['public']:.2f}x public)")
    print(f"a wrong password: {r['wrong_password_ms']:.0f} ms per request (median)")
    b = r["burst_ms"]
    print(
        f"16 concurrent first requests, one password (median ms): private {b['private']:.0f}, "
        f"public {b['public']:.0f} ({ratio(b['private'], b['public'])})"
    )
    save_results("private_index", r)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15)
    args = parser.parse_args()
    benchmark("private", run, report, args)


if __name__ == "__main__":
    main()
