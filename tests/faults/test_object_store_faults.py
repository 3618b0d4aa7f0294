"""An object store that hangs or restarts costs uploads and downloads a 503 within the store
deadline, never a 500 and never a killed API worker; pages keep answering; and once the store
answers again everything heals by itself, with every acknowledged object kept (issue #26).

The store is SeaweedFS (dev/object_store.py), a real S3 server keeping its objects on disk: it
is frozen with SIGSTOP (connections are accepted and never answered, as with a hung server or a
black-holed network) and restarted for real. One node streams files from it and keeps none in
memory, so every download needs the store."""

import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
from distgen import wheel
from helpers import (
    MAX_UPLOAD,
    account,
    devcluster,
    legacy_post,
    make_index,
    pip,
    service_pids,
    sha256_of,
)

DEADLINE = 3.0  # TEAMINDEX_STORE_DEADLINE of this cluster
PROBE = 1.0  # TEAMINDEX_STORE_PROBE_INTERVAL
SLACK = 2.0  # what a request may take beyond the deadline (the rest of its work, two cores)
HEAL = 30  # seconds within which uploads and downloads work again once the store answers
JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
IMPORTS = Path(tempfile.mkdtemp(prefix="teamindex-store-imports-", dir="/var/tmp"))


@pytest.fixture(scope="module")
def cluster():
    built = devcluster.throwaway(
        "store-faults",
        nodes=1,
        stream=True,
        TEAMINDEX_MAX_UPLOAD_SIZE=MAX_UPLOAD,
        TEAMINDEX_OBJECT_CACHE_MAX_FILE=0,
        TEAMINDEX_STORE_DEADLINE=DEADLINE,
        TEAMINDEX_STORE_PROBE_INTERVAL=PROBE,
        ALLOWED_IMPORT_PATHS=[str(IMPORTS)],
    )
    try:
        devcluster.start(built)
        yield built
    finally:
        devcluster.destroy(built)
        shutil.rmtree(IMPORTS, ignore_errors=True)


@pytest.fixture
def team(cluster):
    admin = account(cluster.first, "admin")
    created = make_index(admin)
    created["publisher"] = account(cluster.first, "publisher")
    yield created
    admin.ok(admin.delete(created["repository"]["pulp_href"]))


@pytest.fixture
def api_workers(cluster):
    """The API's processes and the end of its log now; afterwards, none was killed."""
    node = cluster.first
    log = node.state_dir / "logs" / "api.log"
    before, offset = sorted(service_pids(node, "api")), log.stat().st_size
    yield
    with open(log, "rb") as f:
        f.seek(offset)
        written = f.read().decode(errors="replace")
    assert "WORKER TIMEOUT" not in written and "SIGKILL" not in written, written[-2000:]
    assert sorted(service_pids(node, "api")) == before


def _upload(team, path):
    auth = (team["publisher"].username, team["publisher"].password)
    began = time.monotonic()
    answer = legacy_post(team, auth, path.name, path.read_bytes())
    return answer, time.monotonic() - began


def _rest_upload(team, path):
    """POST the file to the REST API's packages endpoint, publishing it into the index."""
    began = time.monotonic()
    answer = team["publisher"].post(
        "content/teamindex/packages/",
        data={"repository": team["repository"]["pulp_href"]},
        files={"file": (path.name, path.read_bytes())},
    )
    return answer, time.monotonic() - began


def _get(url, **kwargs):
    began = time.monotonic()
    answer = requests.get(url, timeout=60, **kwargs)
    return answer, time.monotonic() - began


def _file_url(team, filename):
    return team["distribution"]["index_url"].replace("/simple/", "/packages/") + filename


def _pip_download(team, requirement, dest):
    return pip(
        "download", "--no-deps", "--index-url", team["distribution"]["index_url"],
        "-d", dest, requirement,
    )  # fmt: skip


def _assert_refused_in_time(answer, took, what):
    assert answer.status_code == 503, (what, answer.status_code, answer.text)
    assert answer.headers["Retry-After"].isdigit(), what
    assert took < DEADLINE + SLACK, (what, took)


def _until_healed(attempt):
    """Call `attempt` until it returns a true value, for at most HEAL seconds; every answer on
    the way must be a 503, never a 500."""
    seen, deadline = set(), time.monotonic() + HEAL
    while time.monotonic() < deadline:
        result, status = attempt()
        seen.add(status)
        if result:
            assert seen <= {200, 503}, seen
            return result
        time.sleep(0.3)
    raise AssertionError(f"not healed within {HEAL}s; answers seen: {seen}")


def test_a_hung_store_is_a_503_within_the_deadline_for_uploads_and_installs(
    cluster, team, tmp_path, api_workers
):
    stored = wheel(tmp_path, "frozen", "1.0")
    assert _upload(team, stored)[0].status_code == 200
    page = team["distribution"]["index_url"] + "frozen/"
    uploads, installs = [], []

    def upload_some(worker):
        for n in range(4):
            uploads.append(_upload(team, wheel(tmp_path, "frozen", f"2.{worker}{n}")))

    def install():
        began = time.monotonic()
        got = _pip_download(team, "frozen==1.0", tmp_path / "dl-frozen")
        installs.append((got, time.monotonic() - began))

    devcluster.object_store.freeze(cluster.store)
    try:
        workers = [threading.Thread(target=upload_some, args=(w,)) for w in range(2)]
        workers.append(threading.Thread(target=install))
        for worker in workers:
            worker.start()
        while any(w.is_alive() for w in workers):  # pages and metadata never wait on it
            answer, took = _get(page, headers=JSON)
            assert answer.status_code == 200 and took < 1.0, (answer.status_code, took)
            time.sleep(0.2)
        for worker in workers:
            worker.join()
        rest, took = _rest_upload(team, wheel(tmp_path, "frozen", "2.9"))
        _assert_refused_in_time(rest, took, "REST upload")
        assert "nothing was stored" in rest.json()["detail"]
        metadata, took = _get(_file_url(team, stored.name) + ".metadata")
        assert metadata.status_code == 200 and took < 1.0
        download, took = _get(_file_url(team, stored.name))
        _assert_refused_in_time(download, took, "download")
        assert took < 0.5  # the content app's breaker is open by now: refused at once
        assert "object storage cannot be reached right now" in download.text
    finally:
        devcluster.object_store.thaw(cluster.store)
    assert len(uploads) == 8
    for answer, took in uploads:
        _assert_refused_in_time(answer, took, "upload")
        assert "nothing was stored" in answer.text
    assert any(took < 0.5 for _a, took in uploads)  # an API worker's breaker opened
    ((got, took),) = installs
    assert got.returncode != 0 and "503" in got.stdout + got.stderr, got.stdout + got.stderr
    assert took < 60  # pip's five retries, each refused within the deadline
    # the store answers again: uploads and installs work, with the bytes that were uploaded
    later = wheel(tmp_path, "frozen", "3.0")
    _until_healed(lambda: _status(_upload(team, later)[0]))
    _until_healed(lambda: _status(_get(_file_url(team, stored.name))[0]))
    got = _pip_download(team, "frozen==1.0", tmp_path / "dl-healed")
    assert got.returncode == 0, got.stdout + got.stderr
    assert sha256_of(tmp_path / "dl-healed" / stored.name) == sha256_of(stored)
    by_rest = wheel(tmp_path, "frozen", "4.0")
    team["publisher"].ok(_rest_upload(team, by_rest)[0])
    assert sorted(_listed(team, "frozen")) == sorted([stored.name, later.name, by_rest.name])


def test_a_restarted_store_keeps_every_object_and_the_service_heals(
    cluster, team, tmp_path, api_workers
):
    kept = [wheel(tmp_path, "restarted", f"1.{n}") for n in range(3)]
    for path in kept:
        assert _upload(team, path)[0].status_code == 200
    store = cluster.store
    devcluster.object_store.stop(store)  # SIGTERM: SeaweedFS shuts down, its files stay
    try:
        answer, took = _get(team["distribution"]["index_url"] + "restarted/", headers=JSON)
        assert answer.status_code == 200 and took < 1.0
        _assert_refused_in_time(*_get(_file_url(team, kept[0].name)), "download")
        refused, took = _upload(team, wheel(tmp_path, "restarted", "2.0"))
        _assert_refused_in_time(refused, took, "upload")
    finally:
        devcluster.object_store.start(store)  # the same data directory and ports
    later = wheel(tmp_path, "restarted", "3.0")
    _until_healed(lambda: _status(_upload(team, later)[0]))
    for path in kept:
        served = _until_healed(lambda p=path: _served(team, p))
        assert served == path.read_bytes()
    got = _pip_download(team, "restarted==1.2", tmp_path / "dl")
    assert got.returncode == 0, got.stdout + got.stderr
    assert sha256_of(tmp_path / "dl" / kept[2].name) == sha256_of(kept[2])
    keys = _stored_keys(cluster)
    for path in [*kept, later]:
        assert any(key.endswith(sha256_of(path)[2:]) for key in keys), path.name


def _status(answer):
    return answer.status_code == 200, answer.status_code


def _served(team, path):
    answer = _get(_file_url(team, path.name))[0]
    return (answer.content if answer.status_code == 200 else None), answer.status_code


def _listed(team, project):
    page = requests.get(team["distribution"]["index_url"] + project + "/", headers=JSON, timeout=30)
    return [f["filename"] for f in page.json()["files"]]


def _stored_keys(cluster):
    s3 = devcluster.object_store.client(cluster.store)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=devcluster.BUCKET)
    return [obj["Key"] for page in pages for obj in page.get("Contents", [])]


def test_an_import_while_the_store_hangs_fails_in_time_and_publishes_nothing(cluster, team):
    """An import task writes inside its transaction, not through the deadline: its S3 client's
    calls are bounded instead (botocore's own defaults wait minutes), so the task fails in
    seconds, nothing of it is published, and the same import succeeds once the store answers."""
    root = IMPORTS / team["name"]
    root.mkdir()
    paths = [wheel(root, "hung-import", f"1.{n}") for n in range(3)]
    publisher, repo = team["publisher"], team["repository"]["pulp_href"]
    devcluster.object_store.freeze(cluster.store)
    try:
        began = time.monotonic()
        started = publisher.post(repo + "import/", json={"path": str(root)})
        assert started.status_code == 202, started.text
        task = _finished(publisher, started.json()["task"], within=180)
        took = time.monotonic() - began
    finally:
        devcluster.object_store.thaw(cluster.store)
    assert task["state"] == "failed", task
    assert took < 60, took  # each store call bounded by the deadline, two attempts
    page = requests.get(team["distribution"]["index_url"] + "hung-import/", timeout=30)
    assert page.status_code == 404  # nothing of it published
    again = _imported(publisher, repo, root)  # the store answers again: the same import
    assert again["state"] == "completed", again
    assert again["result"]["imported"] == len(paths)
    assert sorted(_listed(team, "hung-import")) == sorted(p.name for p in paths)


def _finished(client, task_href, within):
    ends = time.monotonic() + within
    while time.monotonic() < ends:
        task = client.get(task_href).json()
        if task["state"] in ("completed", "failed", "canceled"):
            return task
        time.sleep(0.5)
    raise AssertionError(f"the import task still runs after {within} s: {task}")


def _imported(client, repo, root):
    started = client.post(repo + "import/", json={"path": str(root)})
    assert started.status_code == 202, started.text
    return _finished(client, started.json()["task"], within=120)
