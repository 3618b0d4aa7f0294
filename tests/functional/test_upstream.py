"""A safe single index URL: names nobody here owns come from the upstream, through a verified
cache; names a team owns never do, whatever version the upstream offers."""

import hashlib
import time
from datetime import UTC, datetime

import requests
from distgen import wheel as make_wheel
from helpers import UPSTREAM_LIMITS, make_index, pip, twine_upload, uv

JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
TTL = UPSTREAM_LIMITS["TEAMINDEX_UPSTREAM_TTL"]
STALE_MAX = UPSTREAM_LIMITS["TEAMINDEX_UPSTREAM_STALE_MAX"]


def test_owned_names_never_fall_through_and_others_do(admin, publisher, upstream, tmp_path, venv):
    index = make_index(admin, upstream=upstream["url"])
    try:
        ours = make_wheel(tmp_path, "team-secret", "1.0")
        assert twine_upload(index, publisher, ours).returncode == 0
        url = index["distribution"]["index_url"]

        secret_page = requests.get(url + "team-secret/", headers=JSON, timeout=30)
        assert secret_page.headers["X-Teamindex-Source"] == "local"
        secret = secret_page.json()
        assert [f["filename"] for f in secret["files"]] == [ours.name]
        got = pip("install", "--index-url", url, "team-secret", python=venv / "bin" / "python")
        assert got.returncode == 0, got.stdout + got.stderr
        installed = next((venv / "lib").glob("python*/site-packages/team_secret/__init__.py"))
        assert "attacker" not in installed.read_text()
        resolved = uv(
            "pip",
            "compile",
            "--no-config",
            "--no-cache",
            "--index-url",
            url,
            "-",
            input="team-secret\n",
        )
        assert "team-secret==1.0" in resolved.stdout, resolved.stdout + resolved.stderr

        public_page = requests.get(url + "public-lib/", headers=JSON, timeout=30)
        assert public_page.headers["X-Teamindex-Source"] == "upstream"
        public = public_page.json()
        (listed,) = public["files"]
        upstream_wheel = upstream["files"]["public-lib"][0]
        assert listed["hashes"]["sha256"] == hashlib.sha256(upstream_wheel.read_bytes()).hexdigest()
        fetched = pip(
            "download", "--no-deps", "--index-url", url, "-d", tmp_path / "dl", "public-lib"
        )
        assert fetched.returncode == 0, fetched.stderr
        assert (tmp_path / "dl" / upstream_wheel.name).read_bytes() == upstream_wheel.read_bytes()
        assert upstream["url"].split("/simple/")[0] not in fetched.stdout  # via our index only
        file_url = requests.compat.urljoin(url + "public-lib/", listed["url"])
        assert requests.get(file_url, timeout=30).headers["X-Teamindex-Source"] == "upstream"

        evil = requests.get(url + "evil-lib/", headers=JSON, timeout=30).json()
        evil_url = requests.compat.urljoin(url + "evil-lib/", evil["files"][0]["url"])
        assert requests.get(evil_url, timeout=30).status_code == 502
        assert requests.get(url + "no-such-project/", timeout=30).status_code == 404

        report = publisher.get(index["repository"]["pulp_href"] + "shadowed/").json()
        assert report["shadowed"] == [
            {"name": "team-secret", "upstream_files": ["team_secret-99.0-py3-none-any.whl"]}
        ]
    finally:
        admin.ok(admin.delete(index["repository"]["pulp_href"]))


def test_a_reserved_namespace_never_falls_through(admin, upstream):
    index = make_index(admin, upstream=upstream["url"])
    grant = admin.post(
        "teamindex/namespaces/",
        json={"prefix": "public", "repository": index["repository"]["pulp_href"]},
    )
    assert grant.status_code == 201, grant.text
    try:
        url = index["distribution"]["index_url"]
        assert requests.get(url + "public-lib/", timeout=30).status_code == 404
    finally:
        admin.delete(grant.json()["pulp_href"])
        admin.ok(admin.delete(index["repository"]["pulp_href"]))


def test_an_upstream_outage_serves_the_last_good_page_for_a_while(admin, upstream, tmp_path):
    index = make_index(admin, upstream=upstream["url"])
    try:
        url = index["distribution"]["index_url"]
        (public,) = upstream["files"]["public-lib"]
        before = datetime.now(UTC)
        good = requests.get(url + "public-lib/", headers=JSON, timeout=30)
        read_at = time.monotonic()
        assert "X-Teamindex-Stale" not in good.headers
        (listed,) = good.json()["files"]
        # an HTML upstream gives no upload time: when this index first saw the file
        assert before <= datetime.fromisoformat(listed["upload-time"]) <= datetime.now(UTC)
        file_url = requests.compat.urljoin(url + "public-lib/", listed["url"])
        assert requests.get(file_url, timeout=30).content == public.read_bytes()
        json_url = url.removesuffix("simple/") + "pypi/public-lib/json"
        good_json = requests.get(json_url, timeout=30)
        assert good_json.status_code == 200 and "X-Teamindex-Stale" not in good_json.headers

        upstream["stop"]()
        time.sleep(TTL + 0.2)
        stale = requests.get(url + "public-lib/", headers=JSON, timeout=30)
        assert stale.status_code == 200, stale.text
        assert stale.json() == good.json()
        assert TTL <= int(stale.headers["X-Teamindex-Stale"]) <= STALE_MAX
        stale_json = requests.get(json_url, timeout=30)
        assert stale_json.status_code == 200, stale_json.text
        assert stale_json.json()["urls"] == good_json.json()["urls"]
        assert TTL <= int(stale_json.headers["X-Teamindex-Stale"]) <= STALE_MAX
        fetched = pip(
            "download", "--no-deps", "--index-url", url, "-d", tmp_path / "dl", "public-lib"
        )
        assert fetched.returncode == 0, fetched.stdout + fetched.stderr
        assert (tmp_path / "dl" / public.name).read_bytes() == public.read_bytes()
        never_read = requests.get(url + "evil-lib/", timeout=30)
        assert never_read.status_code == 502, never_read.text

        time.sleep(max(0, read_at + STALE_MAX + 0.5 - time.monotonic()))
        late = requests.get(url + "public-lib/", timeout=30)
        assert late.status_code == 502, late.text
        assert late.text.startswith("Upstream index failed:")
        assert requests.get(json_url, timeout=30).status_code == 502
        assert requests.get(file_url, timeout=30).content == public.read_bytes()  # held
    finally:
        admin.ok(admin.delete(index["repository"]["pulp_href"]))
