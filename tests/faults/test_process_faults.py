"""Killed processes and a restarted database heal without anyone's help: every service runs
under a supervisor (dev/supervise.py), as it would under systemd or a container runtime, and
what was acknowledged before the fault is still served after it. What a killed process leaves
behind (media files no row names, spool files, a failed import's units) is swept once the grace
period has passed, and a restarted database is never a 500 (issue #26)."""

import contextlib
import json
import os
import signal
import socket
import threading
import time
from base64 import b64encode
from urllib.parse import urlsplit

import pytest
import requests
from distgen import corpus, wheel
from helpers import account, devstack, fold, legacy_post, make_index, running, service_pids

RECOVERY = 60  # seconds within which the stack must serve again on its own
GRACE = 5  # the test stack's TEAMINDEX_SWEEP_GRACE and TEAMINDEX_SWEEP_INTERVAL, in seconds
WORKER_TTL = 30  # pulpcore's default, which the test stack keeps


@pytest.fixture(scope="module")
def stack():
    stack = devstack.throwaway("proc-faults")
    stack.extra_settings["ALLOWED_IMPORT_PATHS"] = [str(stack.state_dir / "imports")]
    stack.extra_settings["TEAMINDEX_SWEEP_GRACE"] = GRACE
    stack.extra_settings["TEAMINDEX_SWEEP_INTERVAL"] = GRACE
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


# ---- issue #26: what a crash leaves behind, and a database restart under uploads ----------


LEFTOVERS = """
import json
from pathlib import Path
from django.conf import settings
from pulpcore.plugin.models import Artifact
from pulp_teamindex.app.models import ImportStaging, PackageFile
media = Path(settings.MEDIA_ROOT)
on_disk = {str(p.relative_to(media)) for p in (media / "artifact").rglob("*") if p.is_file()}
named = set(Artifact.objects.values_list("file", flat=True))
print(json.dumps({
    "unnamed_files": len(on_disk - named),
    "units": PackageFile.objects.filter(name__startswith=PREFIX).count(),
    "staged": ImportStaging.objects.count(),
}))
"""


def _leftovers(stack, prefix):
    """Media files no artifact row names, the units of projects named `prefix`..., and the
    staging rows left, read in the stack's own Django."""
    script = f"PREFIX = {prefix!r}\n" + LEFTOVERS
    out = devstack.manage(stack, "shell", "-c", script).stdout
    return json.loads(out.strip().splitlines()[-1])


def _task_done_count(task):
    return sum(report.get("done") or 0 for report in task.get("progress_reports") or [])


def test_a_worker_killed_mid_import_fails_its_task_at_once_and_leaves_nothing(stack, team):
    """The task is failed (and the index free again) within pulpcore's worker timeout, not
    minutes later; the files of the batch in flight, which no row names, and the units of the
    batches that had committed are gone once the sweep's grace period has passed."""
    admin = account(stack, "admin")
    source = stack.state_dir / "imports" / "killed"
    corpus(source, projects=1500, versions=2, prefix="killed")  # 3,000 files, as in the issue
    repo = team["repository"]["pulp_href"]
    before = fold(admin, team)
    task = team["publisher"].post(repo + "import/", json={"path": str(source)}).json()["task"]
    _eventually(lambda: _task_done_count(admin.get(task).json()) >= 500, seconds=120)
    time.sleep(0.5)  # into the next batch, whose files are being written
    for pid in service_pids(stack, "worker"):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    _eventually(lambda: admin.get(task).json()["state"] == "failed", seconds=2 * WORKER_TTL)
    failed_after = time.monotonic() - killed
    print(f"import task failed {failed_after:.1f}s after its worker was killed")
    assert failed_after < WORKER_TTL
    assert admin.get(repo).json()["latest_version_href"] == before
    assert fold(admin, team)  # the index is free again: a task that needs it runs

    def swept():
        left = _leftovers(stack, "killed")
        print("left:", left)
        return left == {"unnamed_files": 0, "units": 0, "staged": 0}

    _eventually(swept, seconds=90)
    work = stack.state_dir / "work"
    online = {w["name"] for w in admin.get("status/").json()["online_workers"]}
    assert {p.name for p in work.iterdir() if "@" in p.name} <= online  # the dead one's is gone


def _spool_files(stack):
    return sorted((stack.state_dir / "tmp").glob("tmp*.upload*"))


def _start_upload_and_stall(team, body_size):
    """Send a twine upload's headers and most of its file, then nothing more: the API process
    is spooling it to FILE_UPLOAD_TEMP_DIR. Returns the open socket."""
    url = urlsplit(team["distribution"]["upload_url"])
    boundary = "teamindexboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name=":action"\r\n\r\nfile_upload\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
        'filename="stalled-1.0-py3-none-any.whl"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    auth = b64encode(f"{team['publisher'].username}:{team['publisher'].password}".encode())
    request = (
        f"POST {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
        f"Authorization: Basic {auth.decode()}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(head) + body_size + len(tail)}\r\n\r\n"
    ).encode()
    sock = socket.create_connection((url.hostname, url.port), timeout=30)
    sock.sendall(request + head + os.urandom(body_size * 3 // 4))
    return sock


def test_an_api_process_killed_mid_upload_leaves_no_spool_file(stack, team, tmp_path):
    before = set(_spool_files(stack))
    sock = _start_upload_and_stall(team, body_size=3 * 1024 * 1024 // 2)
    try:
        _eventually(lambda: set(_spool_files(stack)) - before, seconds=30)
        for pid in service_pids(stack, "api"):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    finally:
        sock.close()
    left = set(_spool_files(stack)) - before
    assert left  # the kill left it: only the sweep removes it
    asked = devstack.manage(stack, "teamindex-sweep", "--grace", "600").stdout  # as an admin would
    assert json.loads(asked.strip().splitlines()[-1])["spool_files"] == 0
    assert left <= set(_spool_files(stack))  # younger than the grace given: kept
    _eventually(lambda: not (set(_spool_files(stack)) & left), seconds=60)  # the schedule's sweep
    _eventually_uploaded(team, tmp_path, "6.0")  # the API serves again


def _outcome(send, *args, path=None):
    """(status, Retry-After, body, path) of `send(*args)`, or (None, None, "", path) when the
    API could not be reached at all."""
    try:
        response = send(*args)
    except requests.RequestException:
        return (None, None, "", path)
    return (response.status_code, response.headers.get("Retry-After"), response.text, path)


def _upload_continuously(team, tmp_path, tag, stop, results):
    """Upload new files one after another until `stop` is set (`_outcome` of each)."""
    auth = (team["publisher"].username, team["publisher"].password)
    n = 0
    while not stop.is_set():
        n += 1
        path = wheel(tmp_path, "db-restart", f"7.{tag}.{n}")
        results.append(_outcome(legacy_post, team, auth, path.name, path.read_bytes(), path=path))
        time.sleep(0.05)


def _read_continuously(client, stop, results):
    """List indexes and packages over REST (teamindex views) until `stop` is set."""
    while not stop.is_set():
        for path in ("repositories/teamindex/teamindex/", "content/teamindex/packages/?limit=1"):
            results.append(_outcome(client.get, path))
        time.sleep(0.1)


def _count_in_log(stack, service, text):
    return (stack.state_dir / "logs" / f"{service}.log").read_text(errors="replace").count(text)


def test_a_database_restart_under_uploads_is_never_a_500(stack, team, tmp_path):
    """Uploads run against both API workers, and REST reads beside them, while PostgreSQL
    restarts and for a while after (a worker that was idle meanwhile still holds a dead
    connection): nothing answers 500, every acknowledged upload is served with its bytes, and
    every refused request is a 503 with Retry-After that says the database is away."""
    stop, uploads, reads = threading.Event(), [], []
    retries_before = _count_in_log(stack, "api", "retrying once")
    workers = [
        threading.Thread(target=_upload_continuously, args=(team, tmp_path, t, stop, uploads))
        for t in range(3)
    ]
    workers.append(
        threading.Thread(target=_read_continuously, args=(account(stack, "admin"), stop, reads))
    )
    for thread in workers:
        thread.start()
    try:
        time.sleep(3)
        devstack.stop_postgres(stack)
        time.sleep(4)
        devstack.start_postgres(stack)
        time.sleep(20)
    finally:
        stop.set()
        for thread in workers:
            thread.join()
    answers = uploads + reads
    statuses = [status for status, *_ in answers]
    print("uploads:", {s: [a[0] for a in uploads].count(s) for s in {a[0] for a in uploads}})
    print("reads:", {s: [a[0] for a in reads].count(s) for s in {a[0] for a in reads}})
    print(
        "uploads retried on a new connection:",
        _count_in_log(stack, "api", "retrying once") - retries_before,
    )
    assert 500 not in statuses, [text[:300] for status, _, text, _ in answers if status == 500]
    refused = [(s, retry, text[:200]) for s, retry, text, _ in answers if s not in (200, None)]
    assert all(s == 503 and retry and "database" in text for s, retry, text in refused), refused
    assert refused  # the restart was felt
    acknowledged = [path for status, _, _, path in uploads if status == 200]
    assert len(acknowledged) > 10
    _eventually(lambda: _served(team, acknowledged[-1]))
    assert all(_served(team, path) for path in acknowledged)
