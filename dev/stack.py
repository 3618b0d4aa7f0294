#!/usr/bin/env python3
"""Run a real Pulp stack with pulp_teamindex on this machine, without containers.

A stack is a state directory holding a private PostgreSQL cluster (its own data dir and port,
never the system cluster), generated settings and secrets, media, logs, and the pids of
pulpcore-api, pulpcore-content and pulpcore-worker, each run under dev/supervise.py, which
restarts it whenever it exits. `start` is idempotent; `stop` ends it all.

    python dev/stack.py start [--state-dir .stack] [--api-port 24817] [--content-port 24816]
    python dev/stack.py stop  [--state-dir .stack]
    python dev/stack.py status [--state-dir .stack]

The functional tests import this module and start a stack of their own on free ports.
"""

import argparse
import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from base64 import urlsafe_b64encode
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

SERVICES = ("api", "content", "worker")
SUPERVISOR = Path(__file__).resolve().parent / "supervise.py"  # restarts a service that exits
PG_USER = "postgres"


@dataclass
class Stack:
    state_dir: Path
    api_port: int = 24817
    content_port: int = 24816
    pg_port: int = 25432
    api_workers: int = 2
    disposable: bool = False
    extra_settings: dict = field(default_factory=dict)
    settings_code: str = ""  # Python appended to the settings (values repr() cannot write)
    database_of: str | None = None  # another node's state dir: use its PostgreSQL and secrets

    @property
    def api_url(self):
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def content_origin(self):
        return f"http://127.0.0.1:{self.content_port}"

    @property
    def pg_dir(self):
        return self.state_dir / "pg"

    @property
    def pg_socket_dir(self):
        return Path(self.database_of or self.state_dir) / "pgsock"

    @property
    def settings_file(self):
        return self.state_dir / "settings.py"

    @property
    def secrets(self):
        return json.loads((self.state_dir / "secrets.json").read_text())

    def env(self):
        env = dict(os.environ)
        env.update(
            PULP_SETTINGS=str(self.settings_file),
            DJANGO_SETTINGS_MODULE="pulpcore.app.settings",
            HOME=str(self.state_dir / "home"),
        )
        return env


def _bin(name):
    """Console scripts of the Python running this file (the project's virtualenv)."""
    return str(Path(sys.executable).parent / name)


def _log(message):
    print(f"[stack] {message}", flush=True)


# ---- PostgreSQL -------------------------------------------------------------------------------


def _as_pg_owner():
    """PostgreSQL refuses to run as root: run its tools as the `postgres` user then."""
    return ["runuser", "-u", PG_USER, "--"] if os.geteuid() == 0 else []


def _pg_tool(name):
    """PostgreSQL's tools: on PATH, or in Debian's versioned directory (newest first)."""
    if found := shutil.which(name):
        return found
    for bindir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (bindir / name).exists():
            return str(bindir / name)
    raise SystemExit(f"PostgreSQL's {name} is not installed; run dev/install-system-deps.")


def _pg(stack, tool, *args, check=True, capture=False):
    return subprocess.run(
        [*_as_pg_owner(), _pg_tool(tool), *args],
        check=check,
        text=True,
        capture_output=capture,
        cwd="/",
    )


def _own_for_pg(path):
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        pw = pwd.getpwnam(PG_USER)
        os.chown(path, pw.pw_uid, pw.pw_gid)
    path.chmod(0o700)


def _ensure_traversable(path):
    """The postgres user must reach the data dir through every parent directory."""
    if os.geteuid() != 0:
        return
    probe = subprocess.run(["runuser", "-u", PG_USER, "--", "test", "-x", str(path)], check=False)
    if probe.returncode != 0:
        raise SystemExit(
            f"The postgres user cannot enter {path}. Put the state dir under a directory that "
            "other users may traverse (for example /var/tmp) with --state-dir."
        )


def start_postgres(stack):
    stack.state_dir.mkdir(parents=True, exist_ok=True)
    stack.state_dir.chmod(0o755)
    _ensure_traversable(stack.state_dir)
    if not (stack.pg_dir / "PG_VERSION").exists():
        _own_for_pg(stack.pg_dir)
        _log(f"initdb {stack.pg_dir}")
        _pg(
            stack,
            "initdb",
            "-D",
            str(stack.pg_dir),
            "-U",
            PG_USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            capture=True,
        )
    _own_for_pg(stack.pg_socket_dir)
    status = _pg(stack, "pg_ctl", "-D", str(stack.pg_dir), "status", check=False, capture=True)
    if status.returncode != 0:
        _log(f"starting PostgreSQL on port {stack.pg_port}")
        options = (
            f"-p {stack.pg_port} -k {stack.pg_socket_dir} -c listen_addresses='' "
            "-c max_connections=200"
        )
        if stack.disposable:  # a test stack trades durability for speed
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        _pg(
            stack,
            "pg_ctl",
            "-D",
            str(stack.pg_dir),
            "-l",
            str(stack.pg_dir / "server.log"),
            "-o",
            options,
            "-w",
            "start",
            capture=True,
        )
    _psql(stack, "postgres", "SELECT 1")
    if _psql(stack, "postgres", "SELECT 1 FROM pg_roles WHERE rolname='pulp'").strip() != "1":
        _psql(stack, "postgres", "CREATE ROLE pulp LOGIN")
    if _psql(stack, "postgres", "SELECT 1 FROM pg_database WHERE datname='pulp'").strip() != "1":
        _pg(
            stack,
            "createdb",
            "-h",
            str(stack.pg_socket_dir),
            "-p",
            str(stack.pg_port),
            "-U",
            PG_USER,
            "-O",
            "pulp",
            "pulp",
        )


def _psql(stack, db, sql):
    out = _pg(
        stack,
        "psql",
        "-h",
        str(stack.pg_socket_dir),
        "-p",
        str(stack.pg_port),
        "-U",
        PG_USER,
        "-d",
        db,
        "-tAc",
        sql,
        capture=True,
    )
    return out.stdout


def stop_postgres(stack):
    if (stack.pg_dir / "PG_VERSION").exists():
        _pg(
            stack,
            "pg_ctl",
            "-D",
            str(stack.pg_dir),
            "-m",
            "fast",
            "-w",
            "stop",
            check=False,
            capture=True,
        )


# ---- settings and secrets ---------------------------------------------------------------------


def _password():
    """Letters and digits only: a password starting with "-" reads as an option to twine and
    the pulp CLI when a person pastes it after -p."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(20))


def _share_secrets(stack):
    """A node of a cluster signs and encrypts as the first node does: same secret key, same
    database encryption key, same passwords."""
    stack.state_dir.mkdir(parents=True, exist_ok=True)
    for name in ("secrets.json", "db_encryption.key"):
        copy = stack.state_dir / name
        if not copy.exists():
            shutil.copy2(Path(stack.database_of) / name, copy)


def write_settings(stack):
    secrets_file = stack.state_dir / "secrets.json"
    if not secrets_file.exists():
        secrets_file.write_text(
            json.dumps(
                {
                    "secret_key": secrets.token_urlsafe(50),
                    "admin_password": _password(),
                    "publisher_password": _password(),
                }
            )
        )
        secrets_file.chmod(0o600)
    key_file = stack.state_dir / "db_encryption.key"
    if not key_file.exists():
        key_file.write_bytes(urlsafe_b64encode(os.urandom(32)))
        key_file.chmod(0o600)
    for sub in ("media", "work", "tmp", "static", "logs", "home"):
        (stack.state_dir / sub).mkdir(exist_ok=True)
    values = {
        "SECRET_KEY": stack.secrets["secret_key"],
        "DATABASES": {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "pulp",
                "USER": "pulp",
                "HOST": str(stack.pg_socket_dir),
                "PORT": str(stack.pg_port),
                # pulpcore's default (0) opens a new connection for every request: about a
                # third of an upload's time. Production should keep connections too.
                "CONN_MAX_AGE": 300,
                "CONN_HEALTH_CHECKS": True,
            }
        },
        "CONTENT_ORIGIN": stack.content_origin,
        "TEAMINDEX_API_ORIGIN": stack.api_url,
        "MEDIA_ROOT": str(stack.state_dir / "media"),
        "WORKING_DIRECTORY": str(stack.state_dir / "work"),
        "FILE_UPLOAD_TEMP_DIR": str(stack.state_dir / "tmp"),
        "STATIC_ROOT": str(stack.state_dir / "static"),
        "DB_ENCRYPTION_KEY": str(key_file),
        "ANALYTICS": False,
        # pulpcore's own listing at the content root names no guarded index (docs/admin-guide.md)
        "HIDE_GUARDED_DISTRIBUTIONS": True,
        "TEAMINDEX_PUBLISHER": "publisher",
        **stack.extra_settings,
    }
    text = "# Generated by dev/stack.py; edit the script, not this file.\n" + "".join(
        f"{name} = {value!r}\n" for name, value in values.items()
    )
    text += stack.settings_code
    stack.settings_file.write_text(text)
    (stack.state_dir / "stack.json").write_text(json.dumps(asdict(stack), default=str))


def manage(stack, *args, capture=True):
    return subprocess.run(
        [_bin("pulpcore-manager"), *args],
        env=stack.env(),
        check=True,
        text=True,
        capture_output=capture,
    )


def migrate_and_create_users(stack):
    _log("migrating the database")
    manage(stack, "migrate", "--noinput")
    manage(stack, "reset-admin-password", f"--password={stack.secrets['admin_password']}")
    script = (
        "from django.contrib.auth import get_user_model\n"
        "u, _ = get_user_model().objects.get_or_create(username='publisher')\n"
        f"u.set_password({stack.secrets['publisher_password']!r})\n"
        "u.save()\n"
    )
    manage(stack, "shell", "-c", script)


# ---- pulp services ----------------------------------------------------------------------------


def _command(stack, service):
    if service == "api":
        return [
            _bin("pulpcore-api"),
            "--bind",
            f"127.0.0.1:{stack.api_port}",
            "--workers",
            str(stack.api_workers),
            "--no-control-socket",
        ]
    if service == "content":
        return [
            _bin("pulpcore-content"),
            "--bind",
            f"127.0.0.1:{stack.content_port}",
            "--no-control-socket",
        ]
    return [_bin("pulpcore-worker")]


def _pid_file(stack, service):
    return stack.state_dir / f"{service}.pid"


def _running_pid(stack, service):
    try:
        pid = int(_pid_file(stack, service).read_text())
        os.kill(pid, 0)
        return pid
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None


def start_services(stack):
    for service in SERVICES:
        if _running_pid(stack, service):
            continue
        log = open(stack.state_dir / "logs" / f"{service}.log", "ab")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, str(SUPERVISOR), *_command(stack, service)],
            env=stack.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=stack.state_dir / "work",
            start_new_session=True,
        )
        _pid_file(stack, service).write_text(str(proc.pid))
        _log(f"started pulpcore-{service}, supervised (pid {proc.pid})")


def stop_services(stack):
    for service in SERVICES:
        pid = _running_pid(stack, service)
        if pid:
            with_group = _signal_group(pid, signal.SIGTERM)
            for _ in range(100):
                if not _alive(pid):
                    break
                time.sleep(0.1)
            else:
                _signal_group(pid, signal.SIGKILL) if with_group else None
        _pid_file(stack, service).unlink(missing_ok=True)


def _signal_group(pid, sig):
    try:
        os.killpg(pid, sig)
        return True
    except ProcessLookupError:
        return False


def _alive(pid):
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def wait_ready(stack, timeout=180):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        for service in SERVICES:
            if not _running_pid(stack, service):
                raise SystemExit(f"pulpcore-{service} exited; see {stack.state_dir}/logs/")
        try:
            with urlopen(f"{stack.api_url}/pulp/api/v3/status/", timeout=5) as response:
                status = json.load(response)
            if status.get("online_workers") and status.get("online_content_apps"):
                # Another node's heartbeat counts in a cluster: ask this node's content app.
                domain = "default/" if stack.extra_settings.get("DOMAIN_ENABLED") else ""
                with urlopen(f"{stack.content_origin}/pulp/content/{domain}", timeout=5):
                    return status
            last = "waiting for worker and content app heartbeats"
        except (URLError, OSError, ValueError) as exc:
            last = str(exc)
        time.sleep(0.5)
    raise SystemExit(f"Pulp did not become ready in {timeout}s ({last})")


def write_cli_config(stack):
    config = stack.state_dir / "cli.toml"
    config.write_text(
        "[cli]\n"
        f'base_url = "{stack.api_url}"\n'
        'username = "admin"\n'
        f'password = "{stack.secrets["admin_password"]}"\n'
        "verify_ssl = false\n"
        'format = "json"\n'
    )
    config.chmod(0o600)
    return config


# ---- commands ---------------------------------------------------------------------------------


def start(stack):
    """Start the stack; a node of a cluster (`database_of`) uses the first node's PostgreSQL,
    which that node started and migrated."""
    began = time.monotonic()
    if stack.database_of:
        _share_secrets(stack)
    else:
        start_postgres(stack)
    write_settings(stack)
    if not stack.database_of:
        migrate_and_create_users(stack)
    start_services(stack)
    wait_ready(stack)
    write_cli_config(stack)
    _log(f"ready in {time.monotonic() - began:.1f}s")
    return stack


def stop(stack):
    stop_services(stack)
    stop_postgres(stack)
    _log("stopped")


def destroy(stack):
    stop(stack)
    shutil.rmtree(stack.state_dir, ignore_errors=True)


def throwaway(name, disposable=True, **settings):
    """A new, unstarted stack in its own /var/tmp directory on free ports, for tests and
    benchmarks."""
    state_dir = Path(tempfile.mkdtemp(prefix=f"teamindex-{name}-", dir="/var/tmp"))
    return Stack(
        state_dir,
        api_port=free_port(),
        content_port=free_port(),
        pg_port=free_port(),
        disposable=disposable,
        extra_settings=settings,
    )


_HANDED_OUT = set()


def free_port():
    """A port nothing listens on, never one this process handed out before, and below the
    kernel's ephemeral range: the service binds it only later, and a port from that range may
    meanwhile be taken by an outgoing connection or handed out twice (which once started two
    services of a cluster on one port)."""
    low = _ephemeral_low()
    for _ in range(200):
        port = secrets.randbelow(low - 20000) + 20000 if low > 21000 else 0
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            port = s.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port
    raise SystemExit("no free TCP port found")


def _ephemeral_low():
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def describe(stack):
    s = stack.secrets
    api = f"{stack.api_url}/pulp/api/v3"
    return f"""
pulp_teamindex is running (state in {stack.state_dir}).

  REST API     {api}/
  Content app  {stack.content_origin}/pulp/content/
  Admin        admin / {s["admin_password"]}
  Publisher    publisher / {s["publisher_password"]}   (the service account CI publishes as)
  pulp CLI     .venv/bin/pulp --config {stack.state_dir}/cli.toml repository list
  Logs         {stack.state_dir}/logs/
  Stop         .venv/bin/python dev/stack.py stop

Create a team index "team-a" (its repository and the distribution serving it, in one call):
  curl -u admin:{s["admin_password"]} -H 'Content-Type: application/json' \\
       -d '{{"name": "team-a"}}' {api}/repositories/teamindex/teamindex/
  or: .venv/bin/pulp --config {stack.state_dir}/cli.toml teamindex repository create --name team-a
Publish:  twine upload --repository-url {stack.api_url}/pulp/teamindex/team-a/legacy/ \\
              -u publisher -p {s["publisher_password"]} dist/*
Install:  pip install --index-url {stack.content_origin}/pulp/content/team-a/simple/ <project>
"""


def _load(state_dir):
    saved = Path(state_dir) / "stack.json"
    if saved.exists():
        data = json.loads(saved.read_text())
        return Stack(**{**data, "state_dir": Path(data["state_dir"])})
    return Stack(Path(state_dir))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "status", "destroy"])
    parser.add_argument(
        "--state-dir", default=str(Path(__file__).resolve().parent.parent / ".stack")
    )
    parser.add_argument("--api-port", type=int, default=24817)
    parser.add_argument("--content-port", type=int, default=24816)
    parser.add_argument("--pg-port", type=int, default=25432)
    parser.add_argument("--api-workers", type=int, default=Stack.api_workers)
    args = parser.parse_args(argv)
    state_dir = Path(args.state_dir).resolve()
    if args.command == "start":
        stack = start(
            Stack(state_dir, args.api_port, args.content_port, args.pg_port, args.api_workers)
        )
        print(describe(stack))
    elif args.command == "stop":
        stop(_load(state_dir))
    elif args.command == "destroy":
        destroy(_load(state_dir))
    else:
        stack = _load(state_dir)
        running = {s: _running_pid(stack, s) for s in SERVICES}
        print(json.dumps(running))
        return 0 if all(running.values()) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
