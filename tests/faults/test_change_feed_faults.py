"""An acknowledged upload is served at once by the content app, even under read load and when
its change-feed connection is cut: nothing it remembered from before may outlive a change."""

import threading
import time

import requests
from distgen import wheel
from helpers import devstack, legacy_post

JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


def _upload(index, publisher, path):
    response = legacy_post(
        index, (publisher.username, publisher.password), path.name, path.read_bytes()
    )
    assert response.status_code == 200, response.text
    return path.name


def _listed(index, project):
    page = requests.get(
        index["distribution"]["index_url"] + project + "/", headers=JSON, timeout=30
    )
    return {f["filename"] for f in page.json()["files"]} if page.status_code == 200 else set()


def _file_status(index, filename):
    base = index["distribution"]["index_url"].rsplit("simple/", 1)[0]
    return requests.get(base + "packages/" + filename, timeout=30).status_code


def _readers(index, project, stop, count=4):
    """Threads requesting the project page and older versions' pages until `stop` is set."""
    base = index["distribution"]["index_url"].rsplit("simple/", 1)[0]

    def read(n):
        session = requests.Session()
        while not stop.is_set():
            url = base + (f"versions/{n}/simple/{project}/" if n % 2 else f"simple/{project}/")
            session.get(url, headers=JSON, timeout=30)

    threads = [threading.Thread(target=read, args=(n + 1,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    return threads


def test_every_acknowledged_upload_is_listed_on_the_next_request_under_read_load(
    index, publisher, tmp_path
):
    stop = threading.Event()
    _upload(index, publisher, wheel(tmp_path, "raw-check", "0.1"))
    readers = _readers(index, "raw-check", stop)
    stale = []
    try:
        for n in range(25):
            filename = _upload(index, publisher, wheel(tmp_path, "raw-check", f"1.{n}"))
            if filename not in _listed(index, "raw-check") or _file_status(index, filename) != 200:
                stale.append(filename)
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=30)
    assert stale == []


def _cut_change_feed(stack):
    """Terminate every content app's listening connection, as a network or proxy fault would."""
    cut = devstack._psql(
        stack,
        "pulp",
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = 'pulp_teamindex change feed'",
    )
    assert int(cut.strip()) >= 1


def test_a_cut_change_feed_leaves_no_stale_page(pulp, index, publisher, tmp_path):
    first = _upload(index, publisher, wheel(tmp_path, "feed-cut", "1.0"))
    for _ in range(3):  # remembered
        assert _listed(index, "feed-cut") == {first}
    _cut_change_feed(pulp)
    during = _upload(index, publisher, wheel(tmp_path, "feed-cut", "2.0"))  # while it is down
    assert _listed(index, "feed-cut") == {first, during}
    time.sleep(1.5)  # reconnected by now
    after = _upload(index, publisher, wheel(tmp_path, "feed-cut", "3.0"))
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:  # and stays exact
        assert _listed(index, "feed-cut") == {first, during, after}
        assert _file_status(index, during) == 200


def test_pages_read_while_the_feed_is_down_are_not_kept(pulp, index, publisher, tmp_path):
    first = _upload(index, publisher, wheel(tmp_path, "feed-down", "1.0"))
    _cut_change_feed(pulp)
    assert _listed(index, "feed-down") == {first}  # read while down
    second = _upload(index, publisher, wheel(tmp_path, "feed-down", "2.0"))
    time.sleep(1.5)
    for _ in range(20):
        assert _listed(index, "feed-down") == {first, second}
