"""Two nodes that share nothing but PostgreSQL and an S3 object store (issue #14), started by
`dev/cluster.py` with content apps streaming files from the store: what one node accepts, the
other serves on its very next request, on every path; files live in the store, not on a node;
a node, the database or the store failing for a while loses nothing acknowledged and heals
without anyone stepping in."""

import contextlib
import hashlib
import os
import signal
import threading
import time

import boto3
import pytest
import requests
from distgen import wheel
from helpers import (
    MAX_UPLOAD,
    UPSTREAM_LIMITS,
    account,
    devcluster,
    fold,
    guard_index,
    legacy_post,
    make_index,
    pip,
    service_pids,
    sha256_of,
    twine_upload,
    uv_install,
)
from tcp_link import Link

JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


@pytest.fixture(scope="module")
def store_link():
    link = Link()
    yield link
    link.close()


@pytest.fixture(scope="module")
def cluster(store_link):
    """Two nodes; they reach the object store through `store_link`, which a test may cut.
    They stream every file from the store (none is kept in memory)."""
    built = devcluster.throwaway(
        "cluster",
        nodes=2,
        stream=True,
        store_endpoint=store_link.url,
        TEAMINDEX_MAX_UPLOAD_SIZE=MAX_UPLOAD,
        TEAMINDEX_OBJECT_CACHE_MAX_FILE=0,
        **UPSTREAM_LIMITS,
    )
    store_link.connect(built.store_port)
    try:
        devcluster.start(built)
        yield built
    finally:
        devcluster.destroy(built)


@pytest.fixture(scope="module")
def nodes(cluster):
    return cluster.nodes


@pytest.fixture
def team(nodes):
    """A fresh index, created through node 1."""
    admin = account(nodes[0], "admin")
    yield (created := make_index(admin))
    admin.ok(admin.delete(created["repository"]["pulp_href"]))


def index_url(team, node, nodes):
    """The index's URL on `node` (a distribution names the content origin of the node that
    answered; behind a load balancer both would be the same)."""
    return team["distribution"]["index_url"].replace(nodes[0].content_origin, node.content_origin)


def upload_url(team, node, nodes):
    return team["distribution"]["upload_url"].replace(nodes[0].api_url, node.api_url)


def publish(team, node, nodes, path):
    """POST one file as twine does, to `node`'s upload endpoint."""
    secrets = node.secrets
    return legacy_post(
        {"distribution": {"upload_url": upload_url(team, node, nodes)}},
        ("publisher", secrets["publisher_password"]),
        path.name,
        path.read_bytes(),
    )


def listed(url, project, auth=None):
    page = requests.get(url + project + "/", headers=JSON, auth=auth, timeout=30)
    return [f["filename"] for f in page.json()["files"]] if page.status_code == 200 else page


def fetch(url, filename, auth=None, **kwargs):
    packages = url.replace("/simple/", "/packages/")
    return requests.get(packages + filename, auth=auth, timeout=30, **kwargs)


def test_each_node_serves_what_the_other_accepted_on_the_next_request(team, nodes, tmp_path):
    """Under a read load on both nodes, every 200 from one node is listed, downloadable and
    its metadata served by the other on the request that follows."""
    stop = threading.Event()
    failures = []

    def read_load(node):
        url = index_url(team, node, nodes)
        with requests.Session() as session:
            while not stop.is_set():
                status = session.get(url + "rw-load/", headers=JSON, timeout=30).status_code
                if status not in (200, 404):
                    failures.append(status)

    readers = [threading.Thread(target=read_load, args=(n,)) for n in nodes for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        for n in range(12):
            writer, reader = (nodes[0], nodes[1]) if n % 2 == 0 else (nodes[1], nodes[0])
            path = wheel(tmp_path, "rw-load", f"1.{n}")
            assert publish(team, writer, nodes, path).status_code == 200
            url = index_url(team, reader, nodes)
            assert path.name in listed(url, "rw-load")
            served = fetch(url, path.name)
            assert served.status_code == 200, served.text
            assert (
                hashlib.sha256(served.content).digest()
                == hashlib.sha256(path.read_bytes()).digest()
            )
            assert fetch(url, path.name + ".metadata").text.startswith("Metadata-Version")
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert failures == []


def test_every_read_path_across_nodes(cluster, nodes, team, tmp_path, venv):
    admin2 = account(nodes[1], "admin")
    first = wheel(tmp_path, "across", "1.0")
    assert twine_upload(team, account(nodes[0], "publisher"), first).returncode == 0
    url2 = index_url(team, nodes[1], nodes)
    html = requests.get(url2 + "across/", timeout=30)
    assert html.status_code == 200 and first.name in html.text
    assert "across" in requests.get(url2, headers=JSON, timeout=30).text
    # a version folded through node 2's API is a pinned view on node 1
    version = fold(admin2, team).rstrip("/").rsplit("/", 1)[1]
    second = wheel(tmp_path, "across", "2.0")
    assert publish(team, nodes[1], nodes, second).status_code == 200
    pinned = index_url(team, nodes[0], nodes).replace("/simple/", f"/versions/{version}/simple/")
    assert listed(pinned, "across") == [first.name]
    assert sorted(listed(index_url(team, nodes[0], nodes), "across")) == [first.name, second.name]
    # pip from node 2, uv from node 1: the bytes are the ones uploaded (made for this test)
    got = pip("download", "--no-deps", "--index-url", url2, "-d", tmp_path / "dl", "across==1.0")
    assert got.returncode == 0, got.stdout + got.stderr
    assert sha256_of(tmp_path / "dl" / first.name) == sha256_of(first)
    installed = uv_install(venv, index_url(team, nodes[0], nodes), "across==2.0")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert next((venv / "lib").glob("python*/site-packages/across-2.0.dist-info")).is_dir()
    # the bytes live in the object store, on no node's disk
    stored = _stored_keys(cluster)
    assert any(key.endswith(hashlib.sha256(first.read_bytes()).hexdigest()[2:]) for key in stored)
    for node in nodes:
        assert not [p for p in (node.state_dir / "media").rglob("*") if p.is_file()]


def test_a_private_index_is_sealed_on_every_node(nodes, team, tmp_path):
    publisher = account(nodes[0], "publisher")
    guard_index(account(nodes[0], "admin"), team, readers=["publisher"])
    path = wheel(tmp_path, "sealed", "1.0")
    assert publish(team, nodes[1], nodes, path).status_code == 200
    for node in nodes:
        url = index_url(team, node, nodes)
        assert requests.get(url + "sealed/", timeout=30).status_code == 401
        assert fetch(url, path.name).status_code == 401
        reader = (publisher.username, publisher.password)
        assert listed(url, "sealed", auth=reader) == [path.name]
        assert fetch(url, path.name, auth=reader).content == path.read_bytes()


def test_a_read_token_opens_only_its_index_behind_a_shared_guard_on_every_node(
    nodes, team, tmp_path
):
    """Two indexes behind one guard, a read token scoped to the first: used there on both
    nodes (so that each remembers the grant), it still reads nothing of the second, from a
    page or from the store; revoked, it reads nothing anywhere."""
    admin, publisher = account(nodes[0], "admin"), account(nodes[0], "publisher")
    other = make_index(admin)
    try:
        guard = guard_index(admin, team, readers=["publisher"])
        admin.ok(
            admin.patch(
                other["distribution"]["pulp_href"], json={"content_guard": guard["pulp_href"]}
            )
        )
        mine, theirs = (
            wheel(tmp_path, "scoped-mine", "1.0"),
            wheel(tmp_path, "scoped-theirs", "1.0"),
        )
        assert publish(team, nodes[0], nodes, mine).status_code == 200
        assert publish(other, nodes[1], nodes, theirs).status_code == 200
        body = {"name": "ci", "scope": "read", "repositories": [team["repository"]["pulp_href"]]}
        made = publisher.post("teamindex/tokens/", json=body)
        assert made.status_code == 201, made.text
        token = ("__token__", made.json()["token"])
        for _ in range(2):
            for node in nodes:
                url = index_url(team, node, nodes)
                assert listed(url, "scoped-mine", auth=token) == [mine.name]
                assert fetch(url, mine.name, auth=token).content == mine.read_bytes()
                elsewhere = index_url(other, node, nodes)
                assert (
                    requests.get(elsewhere + "scoped-theirs/", auth=token, timeout=30).status_code
                    == 401
                )
                refused = fetch(elsewhere, theirs.name, auth=token)
                assert refused.status_code == 401 and theirs.read_bytes() not in refused.content
        assert publisher.post(made.json()["pulp_href"] + "revoke/").status_code == 200
        for node in nodes:
            assert fetch(index_url(team, node, nodes), mine.name, auth=token).status_code == 401
    finally:
        admin.ok(admin.delete(other["repository"]["pulp_href"]))


def test_upstream_files_fetched_by_one_node_are_served_by_the_other(nodes, upstream):
    admin = account(nodes[0], "admin")
    team = make_index(admin, upstream=upstream["url"])
    try:
        (public,) = upstream["files"]["public-lib"]
        assert listed(index_url(team, nodes[0], nodes), "public-lib") == [public.name]
        fetched = fetch(index_url(team, nodes[1], nodes), public.name)
        assert fetched.status_code == 200 and fetched.content == public.read_bytes()
        again = fetch(index_url(team, nodes[0], nodes), public.name)
        assert again.headers["X-Teamindex-Source"] == "upstream"
        assert again.content == public.read_bytes()
    finally:
        admin.ok(admin.delete(team["repository"]["pulp_href"]))


def test_while_the_store_is_unreachable_only_file_transfers_fail(nodes, team, store_link, tmp_path):
    path = wheel(tmp_path, "outage", "1.0")
    assert publish(team, nodes[0], nodes, path).status_code == 200
    later = wheel(tmp_path, "outage", "2.0")
    store_link.cut()
    try:
        for node in nodes:
            url = index_url(team, node, nodes)
            assert listed(url, "outage") == [path.name]
            assert fetch(url, path.name + ".metadata").status_code == 200
            down = fetch(url, path.name)
            assert down.status_code == 503, down.text
            assert "object storage cannot be reached" in down.text
            assert down.headers["Retry-After"].isdigit()
        refused = publish(team, nodes[1], nodes, later)
        assert refused.status_code == 503, refused.text
        assert "nothing was stored" in refused.text
    finally:
        store_link.restore()
    for node in nodes:
        assert fetch(index_url(team, node, nodes), path.name).content == path.read_bytes()
    assert publish(team, nodes[1], nodes, later).status_code == 200
    assert sorted(listed(index_url(team, nodes[0], nodes), "outage")) == [path.name, later.name]


def test_a_content_node_restarts_while_the_other_serves(nodes, team, tmp_path):
    path = wheel(tmp_path, "restart", "1.0")
    assert publish(team, nodes[0], nodes, path).status_code == 200
    url1, url2 = index_url(team, nodes[0], nodes), index_url(team, nodes[1], nodes)
    _kill_service(nodes[1], "content")  # its supervisor starts it again
    answers = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answers.append(requests.get(url1 + "restart/", timeout=30).status_code)
        if _answers(url2 + "restart/") == 200:
            break
        time.sleep(0.2)
    assert set(answers) == {200}
    assert _answers(url2 + "restart/") == 200
    later = wheel(tmp_path, "restart", "2.0")
    assert publish(team, nodes[0], nodes, later).status_code == 200
    assert later.name in listed(url2, "restart")  # the restarted node follows changes again


def test_a_database_restart_loses_nothing_and_heals_by_itself(cluster, nodes, team, tmp_path):
    accepted = []
    path = wheel(tmp_path, "dbrestart", "0.1")
    assert publish(team, nodes[0], nodes, path).status_code == 200
    accepted.append(path.name)
    stop = threading.Event()

    def keep_uploading():
        n = 0
        while not stop.is_set():
            n += 1
            path = wheel(tmp_path, "dbrestart", f"1.{n}")
            try:
                if publish(team, nodes[n % 2], nodes, path).status_code == 200:
                    accepted.append(path.name)
            except requests.RequestException:
                pass

    uploader = threading.Thread(target=keep_uploading)
    uploader.start()
    try:
        time.sleep(1)
        devcluster.devstack.stop_postgres(cluster.first)  # fast shutdown: sessions cut
        devcluster.devstack.start_postgres(cluster.first)
        time.sleep(3)
    finally:
        stop.set()
        uploader.join()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(_answers(index_url(team, n, nodes) + "dbrestart/", JSON) == 200 for n in nodes):
            break
        time.sleep(0.5)
    final = wheel(tmp_path, "dbrestart", "9.0")
    assert publish(team, nodes[1], nodes, final).status_code == 200
    accepted.append(final.name)
    for node in nodes:
        served = listed(index_url(team, node, nodes), "dbrestart")
        assert set(accepted) <= set(served), set(accepted) - set(served)


def _answers(url, headers=None):
    try:
        return requests.get(url, headers=headers, timeout=10).status_code
    except requests.RequestException:
        return None


def _kill_service(node, service):
    """SIGKILL every process of the service (gunicorn's master and its workers), as a crash of
    the node's service does: a worker left behind would hold the port the restart needs."""
    for pid in service_pids(node, service):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _store(cluster):
    return boto3.client(
        "s3",
        endpoint_url=cluster.store_url,
        aws_access_key_id=devcluster.STORE_KEY,
        aws_secret_access_key=devcluster.STORE_KEY,
        region_name=devcluster.STORE_REGION,
    )


def _stored_keys(cluster):
    pages = _store(cluster).get_paginator("list_objects_v2").paginate(Bucket=devcluster.BUCKET)
    return [obj["Key"] for page in pages for obj in page.get("Contents", [])]


@pytest.fixture(scope="module")
def redirecting():
    """One node with pulpcore's default for object storage (redirects), keeping files up to
    64 KiB in memory; signed URLs live URL_LIFETIME seconds."""
    limits = {
        "TEAMINDEX_MAX_UPLOAD_SIZE": MAX_UPLOAD,
        "TEAMINDEX_OBJECT_CACHE_MAX_FILE": KEPT,
        "TEAMINDEX_OBJECT_URL_LIFETIME": URL_LIFETIME,
    }
    built = devcluster.throwaway("redirect", nodes=1, **limits)
    try:
        devcluster.start(built)
        yield built
    finally:
        devcluster.destroy(built)


KEPT = 64 * 1024
URL_LIFETIME = 17  # not the store's own expiry (querystring_expire: 300)


def test_large_files_redirect_to_signed_store_urls_small_ones_come_from_memory(
    redirecting, tmp_path
):
    (node,) = redirecting.nodes
    admin = account(node, "admin")
    team = make_index(admin)
    large = wheel(tmp_path, "signed", "1.0", body=b"# " + os.urandom(KEPT).hex().encode())
    small = wheel(tmp_path, "signed", "2.0")
    assert large.stat().st_size > KEPT > small.stat().st_size
    assert twine_upload(team, account(node, "publisher"), large, small).returncode == 0
    url = team["distribution"]["index_url"]
    answer = fetch(url, large.name, allow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(redirecting.store_url)
    assert "Signature=" in answer.headers["Location"]  # a signed, expiring URL
    assert f"X-Amz-Expires={URL_LIFETIME}&" in answer.headers["Location"]  # soon
    assert answer.headers["Cache-Control"] == "no-store"
    kept = fetch(url, small.name, allow_redirects=False)
    assert kept.status_code == 200 and kept.content == small.read_bytes()
    dl = tmp_path / "dl"
    for path, version in ((large, "1.0"), (small, "2.0")):
        got = pip("download", "--no-deps", "--index-url", url, "-d", dl, f"signed=={version}")
        assert got.returncode == 0, got.stdout + got.stderr
        assert sha256_of(dl / path.name) == sha256_of(path)
    guard_index(admin, team, readers=["publisher"])
    assert fetch(url, large.name, allow_redirects=False).status_code == 401  # no URL leaks
    assert fetch(url, small.name).status_code == 401


def test_an_object_altered_in_the_store_is_never_served(redirecting, tmp_path):
    (node,) = redirecting.nodes
    team = make_index(account(node, "admin"))
    path = wheel(tmp_path, "altered", "1.0")
    assert twine_upload(team, account(node, "publisher"), path).returncode == 0
    store = _store(redirecting)
    (key,) = [k for k in _stored_keys(redirecting) if k.endswith(sha256_of(path)[2:])]
    store.put_object(Bucket=devcluster.BUCKET, Key=key, Body=b"not the uploaded bytes")
    url = team["distribution"]["index_url"]
    assert fetch(url, path.name).status_code == 503
    store.put_object(Bucket=devcluster.BUCKET, Key=key, Body=path.read_bytes())
    assert fetch(url, path.name).content == path.read_bytes()
