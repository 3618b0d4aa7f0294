"""Cluster benchmark (issue #14): two nodes with artifacts in an S3 store (dev/cluster.py)
against one node with local files, in one run; pulp_python on the single node as the usual
baseline.

The same 31-project dependency chain is uploaded to an index on the single node and, through
node 1, to an index of the cluster; then:
  - `pip download` and `uv pip install` of the chain from the single node, from cluster node 1
    and from cluster node 2 (medians of interleaved rounds; target: cluster within 1.3x);
  - a project page with wrk (16 connections) on the single node's content process and on
    each cluster node's (target: the same requests/s per process).

    bench/bootstrap && .bench-venv/bin/python bench/multinode.py [--duration 15] [--stream]

--stream runs the cluster with REDIRECT_TO_OBJECT_STORAGE off (content apps stream files from
the store instead of redirecting to signed URLs). The store is SeaweedFS's S3 server
(dev/object_store.py; `--store moto` for moto's, the store of the figures measured before
issue #26), on the same two cores: a real S3 would answer the redirected downloads elsewhere.
"""

import argparse
import tempfile
from pathlib import Path

import requests
from helpers import devcluster

from bench.common import (
    clients,
    corpus,
    devstack,
    interleaved_medians,
    pip_download_seconds,
    pulp_python_index,
    save_results,
    start_stack,
    teamindex,
    twine,
    uv_install_seconds,
)
from bench.simple_api import wrk

ROUNDS = 5
TOP = "chain-p00030"


def index_on(dist, first, node):
    """The index's URL on `node` (a distribution names the origin of the node that made it)."""
    return dist["index_url"].replace(first.content_origin, node.content_origin)


def upload_chain(stack, chain):
    admin, publisher = clients(stack)
    repo, dist = teamindex(admin, name="bench-chain")
    token = publisher.post("teamindex/tokens/", json={"name": "b", "repositories": [repo]})
    twine(dist["upload_url"], "__token__", token.json()["token"], chain)
    return admin, dist


def run(single, cluster, args):
    chain = corpus(Path(tempfile.mkdtemp(prefix="bench-cluster-")), 31, 1, "chain")
    admin, single_dist = upload_chain(single, chain)
    _py_repo, py_upload, py_index = pulp_python_index(admin)
    twine(py_upload, "admin", admin.password, chain)
    _admin, cluster_dist = upload_chain(cluster.first, chain)
    first, second = cluster.nodes
    indexes = {
        "single node, local files": single_dist["index_url"],
        "cluster node 1, S3": index_on(cluster_dist, first, first),
        "cluster node 2, S3": index_on(cluster_dist, first, second),
        "pulp_python, single node": py_index,
    }
    for url in indexes.values():  # resolve the routes first
        requests.get(url + f"{TOP}/", timeout=60).raise_for_status()
    r = {"duration_s": args.duration, "stream": args.stream}
    r["pip_s"] = interleaved_medians(pip_download_seconds, indexes, lambda _: TOP, ROUNDS)
    r["uv_s"] = interleaved_medians(uv_install_seconds, indexes, lambda _: TOP, ROUNDS)
    r["wrk"] = {name: wrk(url + f"{TOP}/", args.duration) for name, url in indexes.items()}
    return r


def report(r):
    mode = "streamed by the content apps" if r["stream"] else "redirected to signed store URLs"
    print(f"\nCluster of 2 nodes, files in S3 ({mode}), against a single node with local files")
    base = "single node, local files"
    for tool in ("pip", "uv"):
        t = r[f"{tool}_s"]
        print(f"{tool} of the 31-project chain (median of {ROUNDS}, seconds; target <= 1.3x)")
        for name, seconds in t.items():
            print(f"  {name:<28} {seconds:6.2f}   ({seconds / t[base]:.2f}x single node)")
    print(f"wrk, a project page, 16 connections, {r['duration_s']} s (requests/s, p99 ms)")
    for name, row in r["wrk"].items():
        print(
            f"  {name:<28} {row['rps']:>9.0f} {row['p99_ms']:>8.2f}  "
            f"({row['rps'] / r['wrk'][base]['rps']:.2f}x single node) "
            f"non-2xx={row['non_2xx']} {row['socket_errors']}"
        )
    save_results("cluster_stream" if r["stream"] else "cluster", r)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--store", choices=["seaweedfs", "moto"], default="seaweedfs")
    args = parser.parse_args()
    single = start_stack("single")
    cluster = devcluster.throwaway(
        "bench-cluster", nodes=2, stream=args.stream, disposable=False, store_kind=args.store
    )
    try:
        devcluster.start(cluster)
        results = run(single, cluster, args)
    finally:
        devcluster.destroy(cluster)
        devstack.destroy(single)
    report(results)


if __name__ == "__main__":
    main()
