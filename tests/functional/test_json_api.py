"""PyPI's JSON API under every index (`<index>/pypi/<project>[/<version>]/json`): the fields
PyPI documents, built from what the index stores, with the simple API's rules (private =
missing, yanks, quarantines, blocks) and its memory (a change shows on the next request)."""

import base64
import hashlib
import json
import uuid
import zipfile

import pytest
import requests
from helpers import guard_index, make_index, twine_upload

PASSWORD = "Reader-pass-123"
HOSTILE = '"},"info":null,"x":"</script><script>alert(1)</script> \u202e'
INFO_FIELDS = {
    "name", "version", "summary", "description", "description_content_type", "author",
    "author_email", "maintainer", "maintainer_email", "license", "classifiers", "requires_dist",
    "requires_python", "project_urls", "home_page", "yanked", "yanked_reason",
}  # fmt: skip
FILE_FIELDS = {
    "digests", "size", "upload_time", "upload_time_iso_8601", "packagetype", "python_version",
    "requires_python", "filename", "url", "yanked", "yanked_reason",
}  # fmt: skip


def _record(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def make_wheel(directory, name, version, summary="a project", extra=()):
    """A pure wheel whose METADATA has the fields PyPI's JSON API shows."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    metadata = "\n".join(
        [
            "Metadata-Version: 2.1",
            f"Name: {name}",
            f"Version: {version}",
            f"Summary: {summary}",
            "Author: Team A",
            "Author-email: team-a@example.com",
            "Maintainer-email: ops@example.com",
            "License: MIT",
            "Home-page: https://example.com/home",
            "Project-URL: Source, https://example.com/src",
            "Classifier: Programming Language :: Python :: 3",
            "Requires-Python: >=3.9",
            "Requires-Dist: requests>=2",
            "Description-Content-Type: text/markdown",
            *extra,
            "",
            f"# {name}\n\nThe long description.\n",
        ]
    ).encode()
    members = {
        f"{dist}/__init__.py": f"VERSION = {version!r}\n".encode(),
        f"{info}/METADATA": metadata,
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = "".join(f"{p},{_record(d)},{len(d)}\n" for p, d in members.items())
    members[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    path = directory / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return path


def base_url(index):
    return index["distribution"]["index_url"].rsplit("simple/", 1)[0]


def document(index, project, version=None, auth=None, status=200):
    path = f"pypi/{project}/{version}/json" if version else f"pypi/{project}/json"
    answer = requests.get(base_url(index) + path, auth=auth, timeout=30)
    assert answer.status_code == status, (answer.status_code, answer.text)
    if status != 200:
        return answer
    assert answer.headers["Content-Type"].startswith("application/json")
    return answer.json()


@pytest.fixture
def project(publisher, index, tmp_path):
    """A project of two releases (1.0 and 2.0) in a fresh index."""
    name = f"js-{uuid.uuid4().hex[:8]}"
    wheels = [make_wheel(tmp_path, name, version) for version in ("1.0", "2.0")]
    result = twine_upload(index, publisher, *wheels)
    assert result.returncode == 0, result.stdout + result.stderr
    return name, wheels


def test_the_document_has_the_fields_pypi_documents(index, project):
    name, (old, new) = project
    doc = document(index, name)
    assert set(doc) >= {"info", "last_serial", "releases", "urls", "vulnerabilities"}
    info = doc["info"]
    assert set(info) >= INFO_FIELDS
    assert (info["name"], info["version"], info["summary"]) == (name, "2.0", "a project")
    assert info["author_email"] == "team-a@example.com"
    assert info["maintainer_email"] == "ops@example.com"
    assert info["license"] == "MIT" and info["requires_python"] == ">=3.9"
    assert info["requires_dist"] == ["requests>=2"]
    assert info["classifiers"] == ["Programming Language :: Python :: 3"]
    assert info["project_urls"] == {
        "Homepage": "https://example.com/home",
        "Source": "https://example.com/src",
    }
    assert "The long description." in info["description"]
    assert info["description_content_type"] == "text/markdown"
    assert info["yanked"] is False and info["yanked_reason"] is None
    assert isinstance(doc["last_serial"], int)
    assert list(doc["releases"]) == ["1.0", "2.0"]
    (listed,) = doc["urls"]
    assert set(listed) >= FILE_FIELDS
    assert listed["filename"] == new.name and listed["packagetype"] == "bdist_wheel"
    assert listed["python_version"] == "py3" and listed["size"] == new.stat().st_size
    assert listed["digests"]["sha256"] == hashlib.sha256(new.read_bytes()).hexdigest()
    assert listed["upload_time_iso_8601"].endswith("Z")
    assert listed["upload_time_iso_8601"].startswith(listed["upload_time"])
    assert doc["releases"]["2.0"] == [listed]
    fetched = requests.get(listed["url"], timeout=30)  # the URL serves exactly those bytes
    assert fetched.status_code == 200 and fetched.content == new.read_bytes()


def test_one_release_and_the_spellings_of_a_name(index, project):
    name, (old, _new) = project
    release = document(index, name, "1.0")
    assert release["info"]["version"] == "1.0" and "releases" not in release
    assert [f["filename"] for f in release["urls"]] == [old.name]
    assert document(index, name, "1.0.0")["info"]["version"] == "1.0"  # PEP 440 equality
    missing = document(index, name, "9.9", status=404)
    assert "9.9" in missing.text
    assert "no project" in document(index, "no-such-" + name, status=404).text.lower()
    spelled = base_url(index) + f"pypi/{name.upper().replace('-', '_')}/json"
    moved = requests.get(spelled, timeout=30, allow_redirects=False)
    assert moved.status_code == 301 and moved.headers["Location"].endswith(f"/pypi/{name}/json")
    assert requests.get(spelled, timeout=30).json()["info"]["name"] == name


def test_pulp_pythons_alias_path_serves_the_same_document(index, project):
    name, _ = project
    content = index["distribution"]["index_url"].split("/pulp/content/")[0]
    alias = f"{content}/pypi/{index['distribution']['base_path']}/pypi/{name}/json"
    answer = requests.get(alias, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["info"]["version"] == "2.0"
    assert (
        f"/pypi/{index['distribution']['base_path']}/packages/" in answer.json()["urls"][0]["url"]
    )


def test_a_yanked_release_is_shown_yanked_on_the_next_request(publisher, index, project):
    name, (old, new) = project
    assert document(index, name)["info"]["version"] == "2.0"  # remembered now
    repo = index["repository"]["pulp_href"]
    body = {"project": name, "version": "2.0", "reason": "broken <b>build</b>"}
    publisher.ok(publisher.post(repo + "yank/", json=body))
    doc = document(index, name)
    assert doc["info"]["version"] == "1.0"  # PyPI's latest skips a yanked release
    (yanked,) = doc["releases"]["2.0"]
    assert yanked["yanked"] is True and yanked["yanked_reason"] == "broken <b>build</b>"
    release = document(index, name, "2.0")
    assert release["info"]["yanked"] is True
    assert release["info"]["yanked_reason"] == "broken <b>build</b>"
    # the index as it was before the yank (the uploads' version) shows it unyanked
    versions = requests.get(
        publisher.url(repo + "versions/"), auth=(publisher.username, publisher.password), timeout=30
    ).json()["results"]
    before = max(v["number"] for v in versions if v["number"] < versions[0]["number"])
    pinned = requests.get(base_url(index) + f"versions/{before}/pypi/{name}/json", timeout=30)
    assert pinned.status_code == 200, pinned.text
    assert pinned.json()["info"]["version"] == "2.0"
    assert pinned.json()["info"]["yanked"] is False


def test_a_quarantined_project_offers_no_file(publisher, index, project):
    name, _ = project
    assert len(document(index, name)["urls"]) == 1
    body = {"project": name, "status": "quarantined", "reason": "credential stealer"}
    publisher.ok(
        publisher.post(index["repository"]["pulp_href"] + "set_project_status/", json=body)
    )
    doc = document(index, name)
    assert doc["urls"] == [] and doc["releases"] == {"1.0": [], "2.0": []}
    assert doc["project-status"] == {"status": "quarantined", "reason": "credential stealer"}
    assert document(index, name, "2.0")["urls"] == []


def test_a_blocked_project_is_refused(admin, index, project):
    name, _ = project
    assert document(index, name)["urls"]
    made = admin.post(
        "teamindex/blocks/", json={"kind": "project", "value": name, "reason": "incident 7"}
    )
    assert made.status_code == 201, made.text
    try:
        refused = document(index, name, status=403)
        assert "incident 7" in refused.text
        assert "incident 7" in document(index, name, "1.0", status=403).text
    finally:
        assert admin.post(made.json()["pulp_href"] + "lift/").status_code == 201
    assert document(index, name)["urls"]


def test_a_private_index_is_missing_for_another_teams_user(admin, publisher, index, project):
    name, _ = project
    users = {}
    for role in ("reader", "stranger"):
        username = f"{role}-{uuid.uuid4().hex[:6]}"
        created = admin.post("users/", json={"username": username, "password": PASSWORD})
        assert created.status_code == 201, created.text
        users[role] = (username, created.json()["pulp_href"])
    try:
        guard_index(admin, index, [users["reader"][0]])
        reader = (users["reader"][0], PASSWORD)
        stranger = (users["stranger"][0], PASSWORD)
        for _ in range(2):  # the second time from memory
            assert document(index, name, auth=reader)["info"]["name"] == name
            assert (
                document(index, name, auth=stranger, status=404).text
                == document(index, "no-such-" + name, auth=stranger, status=404).text
            )
            assert document(index, name, status=401).headers["WWW-Authenticate"]
        gone = dict(index, distribution=dict(index["distribution"]))
        gone["distribution"]["index_url"] = index["distribution"]["index_url"].replace(
            index["distribution"]["base_path"], "gone-" + uuid.uuid4().hex[:6]
        )
        assert (
            document(gone, name, auth=stranger, status=404).text
            == document(index, name, auth=stranger, status=404).text
        )
    finally:
        for _username, href in users.values():
            admin.delete(href)


def test_hostile_metadata_is_returned_as_data(publisher, index, tmp_path):
    name = f"js-{uuid.uuid4().hex[:8]}"
    path = make_wheel(tmp_path, name, "1.0", summary=HOSTILE, extra=["Keywords: <img src=x>"])
    assert twine_upload(index, publisher, path).returncode == 0
    answer = requests.get(base_url(index) + f"pypi/{name}/json", timeout=30)
    doc = json.loads(answer.text)
    assert doc["info"]["summary"] == HOSTILE.strip()
    assert doc["info"]["keywords"] == "<img src=x>"
    assert set(doc) == {"info", "last_serial", "releases", "urls", "vulnerabilities"}
    assert answer.headers["Content-Type"].startswith("application/json")


def test_upstream_projects_are_described_from_the_upstream(admin, upstream):
    index = make_index(admin, upstream=upstream["url"])
    try:
        doc = document(index, "public-lib")
        (wheel,) = upstream["files"]["public-lib"]
        assert doc["info"]["name"] == "public-lib" and doc["info"]["version"] == "1.0"
        (listed,) = doc["urls"]
        assert listed["digests"]["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
        assert requests.get(listed["url"], timeout=30).content == wheel.read_bytes()
        # a name neither this index nor its upstream has
        document(index, "no-such-project-" + uuid.uuid4().hex[:6], status=404)
    finally:
        admin.ok(admin.delete(index["repository"]["pulp_href"]))
