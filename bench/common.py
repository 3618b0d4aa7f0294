"""Shared pieces of the benchmarks: one stack with pulp_teamindex and pulp_python side by side,
indexes of both kinds, and the clients. Run benchmarks with .bench-venv/bin/python."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import distgen  # tests/functional and dev/ are on .bench-venv's path (bench/bootstrap)
import stack as devstack
from helpers import Client, isolated_env

ROOT = Path(__file__).resolve().parent.parent

BIN = Path(sys.executable).parent


def start_stack(name, **settings):
    stack = devstack.throwaway(f"bench-{name}", disposable=False, **settings)
    devstack.start(stack)
    return stack


def benchmark(name, run, report, args):
    """Run `run(stack, args)` on a stack of its own, destroy the stack, report the figures."""
    stack = start_stack(name)
    try:
        results = run(stack, args)
    finally:
        devstack.destroy(stack)
    report(results)


def clients(stack):
    return (
        Client(stack, "admin", stack.secrets["admin_password"]),
        Client(stack, "publisher", stack.secrets["publisher_password"]),
    )


def teamindex(admin, name=None):
    """A team index, made in one call: returns (repository href, distribution dict)."""
    name = name or f"team-{uuid.uuid4().hex[:6]}"
    repo = admin.post("repositories/teamindex/teamindex/", json={"name": name}).json()
    return repo["pulp_href"], admin.get(repo["distribution"]).json()


def pulp_python_index(admin, name=None):
    """A pulp_python repository and distribution: returns (repo href, upload url, index url)."""
    name = name or f"py-{uuid.uuid4().hex[:6]}"
    repo = admin.post("repositories/python/python/", json={"name": name}).json()
    admin.ok(
        admin.post(
            "distributions/python/pypi/",
            json={"name": name, "base_path": name, "repository": repo["pulp_href"]},
        )
    )
    api = admin.stack.api_url
    return repo["pulp_href"], f"{api}/pypi/{name}/legacy/", f"{api}/pypi/{name}/simple/"


def corpus(out, projects, versions, prefix):
    """The project's own generated wheels: a dependency chain of `projects` projects."""
    return [p for p in distgen.corpus(out, projects, versions, prefix) if p.suffix == ".whl"]


def twine_command(url, username, password, files):
    """The argv and environment of one `twine upload` of `files`: one place for every caller,
    sequential or concurrent."""
    argv = [
        str(BIN / "twine"),
        "upload",
        "--non-interactive",
        "--disable-progress-bar",
        "--repository-url",
        url,
        f"--username={username}",
        f"--password={password}",
        *map(str, files),
    ]
    return argv, isolated_env()


def twine(url, username, password, files):
    argv, env = twine_command(url, username, password, files)
    result = subprocess.run(argv, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise SystemExit(f"twine failed: {result.stdout}{result.stderr}")


def save_results(name, results):
    """Write a benchmark's figures to bench/results/<name>.json."""
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(results, indent=2))


def ratio(a, b):
    return f"{a / b:.1f}x" if b else "n/a"


def cpu_seconds(stack):
    """CPU seconds used so far by each part of `stack` (its services' process trees and its
    PostgreSQL cluster), read from /proc: where a CPU-bound run spends the machine."""
    roots = {service: devstack._running_pid(stack, service) for service in devstack.SERVICES}
    postmaster = (stack.pg_dir / "postmaster.pid").read_text().split()[0]
    roots["postgres"] = int(postmaster)
    return {name: _tree_cpu(pid) for name, pid in roots.items() if pid}


def _tree_cpu(pid):
    ticks = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        todo += [int(child) for child in children]
    return total


def interleaved_medians(measure, indexes, project_of, rounds):
    """Median seconds of `measure(url, project_of(name))` for each index. Rounds interleave
    the indexes, so that drift in the machine's load weighs on all of them alike."""
    times = {name: [] for name in indexes}
    for _ in range(rounds):
        for name, url in indexes.items():
            times[name].append(measure(url, project_of(name)))
    return {name: statistics.median(values) for name, values in times.items()}


def pip_download_seconds(index_url, project):
    with tempfile.TemporaryDirectory(prefix="bench-pip-") as dest:
        argv = [sys.executable, "-m", "pip", "--isolated", "download", "--no-cache-dir"]
        return _timed(
            argv + ["--index-url", index_url, "-d", dest, project], f"pip download from {index_url}"
        )


def uv_install_seconds(index_url, project):
    with tempfile.TemporaryDirectory(prefix="bench-uv-") as work:
        subprocess.run([BIN / "uv", "venv", "--no-config", "-q", f"{work}/v"], check=True)
        argv = [BIN / "uv", "pip", "install", "--no-config", "--no-cache", "-q"]
        argv += ["--python", f"{work}/v", "--index-url", index_url, project]
        return _timed(argv, f"uv pip install from {index_url}")


def _timed(argv, what):
    """Seconds `argv` ran, isolated from this machine's installer configuration."""
    began = time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True, env=isolated_env())
    elapsed = time.monotonic() - began
    if result.returncode != 0:
        raise SystemExit(f"{what} failed: {result.stderr}")
    return elapsed
