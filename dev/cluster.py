#!/usr/bin/env python3
"""Run pulp_teamindex as a small cluster on this machine: nodes that share nothing but one
PostgreSQL and one S3-compatible object store, as Pulp runs in production (issue #14).

Each node is a `stack.Stack` with its own state, temporary and media directories and ports,
running pulpcore-api, pulpcore-content and pulpcore-worker; the first node also runs
PostgreSQL and migrates it. Artifacts live in the object store, reached through pulpcore's
STORAGES setting and django-storages. The store is moto's S3 server: it installs from PyPI,
speaks S3 with signature v4 and presigned URLs, and keeps objects in memory (stopping the
cluster empties it; point --store-endpoint at a real S3 to keep them).

    python dev/cluster.py start [--state-dir .cluster] [--nodes 2] [--stream]
    python dev/cluster.py stop|destroy [--state-dir .cluster]

--stream turns pulpcore's REDIRECT_TO_OBJECT_STORAGE off: content apps stream files from the
store instead of redirecting clients to signed URLs. The functional tests import this module.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import stack as devstack  # dev/: this script's own folder, or pytest's pythonpath

BUCKET = "teamindex"
STORE_KEY = "teamindex"  # moto accepts any credentials; a real store gets its own
STORE_REGION = "us-east-1"
# Short deadlines: a store that hangs must fail a download quickly, not hold a thread.
CLIENT_CONFIG = """
from botocore.config import Config as _StoreClientConfig
STORAGES["default"]["OPTIONS"]["client_config"] = _StoreClientConfig(
    connect_timeout=2, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"},
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

    @property
    def store_url(self):
        return f"http://127.0.0.1:{self.store_port}"

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
    **settings,
):
    """An unstarted cluster on free ports. `store_endpoint` (say, a proxy in front of the
    store, or a store run elsewhere) is what the nodes use; by default the store itself."""
    state_dir = Path(state_dir).resolve()
    store_port = devstack.free_port()
    endpoint = store_endpoint or f"http://127.0.0.1:{store_port}"
    cluster = Cluster(state_dir, [], store_port, endpoint, stream, run_store)
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


# ---- the object store -------------------------------------------------------------------------


def start_store(cluster):
    pid_file = cluster.state_dir / "store.pid"
    if _alive(pid_file):
        return
    cluster.state_dir.mkdir(parents=True, exist_ok=True)
    log = open(cluster.state_dir / "store.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(
        [devstack._bin("moto_server"), "-H", "127.0.0.1", "-p", str(cluster.store_port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    pid_file.write_text(str(proc.pid))
    _wait_for(f"{cluster.store_url}/moto-api/", "the object store")
    _create_bucket(cluster)
    devstack._log(f"object store (moto) on {cluster.store_url}, bucket {BUCKET!r}")


def _create_bucket(cluster):
    import boto3  # noqa: PLC0415  (installed with the s3 extra; only the cluster needs it)

    client = boto3.client(
        "s3",
        endpoint_url=cluster.store_url,
        aws_access_key_id=STORE_KEY,
        aws_secret_access_key=STORE_KEY,
        region_name=STORE_REGION,
    )
    client.create_bucket(Bucket=BUCKET)


def stop_store(cluster):
    pid_file = cluster.state_dir / "store.pid"
    if (pid := _alive(pid_file)) is not None:
        os.killpg(pid, signal.SIGTERM)
    pid_file.unlink(missing_ok=True)


def _alive(pid_file):
    try:
        pid = int(pid_file.read_text())
        os.kill(pid, 0)
        return pid
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None


def _wait_for(url, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(url, timeout=2):
                return
        except (URLError, OSError):
            time.sleep(0.2)
    raise SystemExit(f"{what} did not start in {timeout}s")


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
    parser.add_argument("--store-endpoint", help="an S3 endpoint instead of moto")
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
            )
        print(describe(start(cluster)))
    elif args.command == "stop":
        stop(load(args.state_dir))
    else:
        destroy(load(args.state_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
