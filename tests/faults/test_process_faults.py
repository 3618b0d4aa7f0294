"""Killed processes and a restarted database heal without anyone's help: every service runs
under a supervisor (dev/supervise.py), as it would under systemd or a container runtime, and
what was acknowledged before the fault is still served after it."""

import contextlib
import os
import signal
import time

import pytest
import requests
from distgen import corpus, wheel
from helpers import account, devstack, fold, legacy_post, make_index, running, service_pids

RECOVERY = 60  # seconds within which the stack must serve again on its own


@pytest.fixture(scope="module")
def stack():
    stack = devstack.throwaway("proc-faults")
    stack.extra_settings["ALLOWED_IMPORT_PATHS"] = [str(stack.state_dir / "imports")]
    with running(stack):
        yield stack


@pytest.fixture(scope="module")
def team(stack):
    created = make_index(account(stack, "admin"))
    created["publisher"] = account(stack, "publisher")
    return created


def _upload(team, tmp_path, version, name="fault-proof"):
    path = wheel(tmp_path, name, version)
    auth = (team["publisher"].username, team["publisher"].password)
    response = legacy_post(team, auth, path.name, path.read_bytes())
    return response, path


def _served(team, path):
    base = team["distribution"]["index_url"].rsplit("simple/", 1)[0]
    try:
        got = requests.get(base + "packages/" + path.name, timeout=10)
    except requests.ConnectionError:
        return False
    return got.status_code == 200 and got.content == path.read_bytes()


def _eventually(check, seconds=RECOVERY):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return time.monotonic() - (deadline - seconds)
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"not recovered within {seconds}s")


@pytest.mark.parametrize("service", ["content", "api", "worker"])
def test_a_killed_service_comes_back_and_nothing_acknowledged_is_lost(
    service, stack, team, tmp_path
):
    before, before_path = _upload(team, tmp_path, f"1.0.{len(service)}")
    assert before.status_code == 200, before.text
    pids = service_pids(stack, service)
    assert pids
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _eventually(lambda: _served(team, before_path))
    after, after_path = _eventually_uploaded(team, tmp_path, f"2.0.{len(service)}")
    assert _served(team, after_path)


def test_uploads_need_no_worker_and_are_folded_once_one_runs(stack, team, tmp_path):
    """An upload makes no task: with the workers frozen it is accepted and served, and the
    journal becomes a version once they run again, without anyone asking."""
    workers = service_pids(stack, "worker")
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    try:
        answers = [_upload(team, tmp_path, f"5.{n}", name="no-worker") for n in range(3)]
        assert [response.status_code for response, _ in answers] == [200, 200, 200]
        assert all(_served(team, path) for _, path in answers)
    finally:
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
    admin = account(stack, "admin")

    def folded():
        rows = admin.get(team["repository"]["pulp_href"] + "uploads/").json()
        mine = [row for row in rows if row["filename"].startswith("no_worker")]
        return len(mine) == 3 and all(row["repository_version"] for row in mine)

    _eventually(folded, seconds=90)


def _eventually_uploaded(team, tmp_path, version):
    result = {}

    def uploaded():
        response, path = _upload(team, tmp_path, version)
        result["answer"] = (response, path)
        return response.status_code == 200

    _eventually(uploaded)
    return result["answer"]


def test_a_database_restart_heals_by_itself(stack, team, tmp_path):
    before, before_path = _upload(team, tmp_path, "3.0")
    assert before.status_code == 200
    devstack.stop_postgres(stack)
    time.sleep(5)
    devstack.start_postgres(stack)
    _eventually(lambda: _served(team, before_path))
    _, after_path = _eventually_uploaded(team, tmp_path, "4.0")
    assert _served(team, after_path)


def test_a_worker_killed_mid_import_publishes_and_claims_nothing(stack, team):
    """Names are claimed only by the version that publishes them: an import cut short leaves
    every one of its names free for any index, and the index unchanged."""
    admin = account(stack, "admin")
    source = stack.state_dir / "imports" / "cut-short"
    corpus(source, projects=1500, versions=1, prefix="cutshort")
    repo = team["repository"]["pulp_href"]
    before = fold(admin, team)  # earlier tests' uploads, so the import's is the next version
    task = team["publisher"].post(repo + "import/", json={"path": str(source)}).json()["task"]
    _eventually(lambda: admin.get(task).json()["state"] == "running", seconds=30)
    time.sleep(1.5)  # into the batches
    for pid in service_pids(stack, "worker"):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert admin.get(repo).json()["latest_version_href"] == before
    other = make_index(admin)
    name = "cutshort-p00007"
    response, _ = _upload({**other, "publisher": team["publisher"]}, source.parent, "1.0", name)
    assert response.status_code == 200, response.text
