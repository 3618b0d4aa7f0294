"""The deployment's block list (issue #25): the incident switch for what teams do not own. An
admin blocks a project, a release, a filename or a sha256; every index stops listing it and
answers 403 with the reason on every path, and nothing brings it into any index, until the
block is lifted (which the list keeps, with who lifted it)."""

import shutil
import uuid

import pytest
import requests
from distgen import wheel
from helpers import fold, legacy_post, make_index, pip, sha256_of, twine_upload

JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
HTML = {"Accept": "text/html"}
REASON = "compromised maintainer account, see INC-42"


@pytest.fixture
def project(admin, publisher, index, tmp_path):
    """A project of its own in `index`, releases 1.0 and 1.1 (a wheel each), pages warm."""
    name = f"blk-{uuid.uuid4().hex[:8]}"
    files = [wheel(tmp_path, name, version) for version in ("1.0", "1.1")]
    assert twine_upload(index, publisher, *files).returncode == 0
    fold(publisher, index)  # version 1 holds both, for the pinned view
    page = index["distribution"]["index_url"] + name + "/"
    packages = index["distribution"]["index_url"].rsplit("simple/", 1)[0] + "packages/"
    for url in (page, packages + files[0].name):
        assert requests.get(url, timeout=30).status_code == 200  # remembered by the content app
    return {"name": name, "files": files, "page": page, "packages": packages}


def _block(admin, kind, value):
    made = admin.post("teamindex/blocks/", json={"kind": kind, "value": value, "reason": REASON})
    assert made.status_code == 201, made.text
    return made.json()


def _lift(admin, block):
    lifted = admin.post(block["pulp_href"] + "lift/")
    assert lifted.status_code == 201, lifted.text
    return lifted.json()


def _refused(response):
    assert response.status_code == 403, (response.status_code, response.text)
    assert REASON in response.text and "blocked" in response.text
    assert not response.content.startswith(b"PK")


def _listed(url):
    page = requests.get(url, headers=JSON, timeout=30)
    assert page.status_code == 200, page.text
    return sorted(f["filename"] for f in page.json()["files"])


def test_a_blocked_project_is_refused_on_every_path(
    pulp, admin, publisher, index, project, tmp_path
):
    name, (old, new) = project["name"], project["files"]
    spelled = name.upper().replace("-", "_")  # a block finds the project however it is spelled
    block = _block(admin, "project", spelled)
    assert block["value"] == name and block["blocked_by"] == admin.username
    base = index["distribution"]["base_path"]
    pinned = index["distribution"]["index_url"].replace(f"/{base}/", f"/{base}/versions/1/")
    alias = f"{pulp.content_origin}/pypi/{base}/simple/{name}/"
    for url in (project["page"], pinned + name + "/", alias):
        for accept in (JSON, HTML):
            _refused(requests.get(url, headers=accept, timeout=30))
    for path in (old.name, old.name + ".metadata", new.name):
        _refused(requests.get(project["packages"] + path, timeout=30))
    site = index["distribution"]["base_url"]
    for path in (f"pypi/{name}/json", f"pypi/{name}/1.0/json", f"project/{name}/"):
        _refused(requests.get(site + path, timeout=30))  # the JSON API and the web page
    root = requests.get(index["distribution"]["index_url"], headers=JSON, timeout=30).json()
    assert name not in {p["name"] for p in root["projects"]}
    assert f"/project/{name}/" not in requests.get(site, timeout=30).text  # the index's page
    found = admin.get("teamindex/search/", params={"q": name}).json()["results"]
    assert name not in str(found)  # search
    got = pip("download", "--no-deps", "--index-url", index["distribution"]["index_url"], "-d",
              tmp_path / "dl", name)  # fmt: skip
    assert (
        got.returncode != 0
        and not (tmp_path / "dl").exists()
        or not any((tmp_path / "dl").iterdir())
    )

    later = wheel(tmp_path, name, "2.0")
    auth = (publisher.username, publisher.password)
    upload = legacy_post(index, auth, later.name, later.read_bytes())
    assert upload.status_code == 403 and REASON in upload.text
    rest = publisher.post(
        "content/teamindex/packages/",
        data={"repository": index["repository"]["pulp_href"]},
        files={"file": (later.name, later.read_bytes())},
    )
    assert rest.status_code == 403 and REASON in rest.text

    lifted = _lift(admin, block)
    assert lifted["lifted_by"] == admin.username and lifted["lifted_at"]
    assert _listed(project["page"]) == sorted([old.name, new.name])
    assert requests.get(site + f"pypi/{name}/json", timeout=30).status_code == 200
    found = admin.get("teamindex/search/", params={"q": name}).json()["results"]
    assert name in str(found)  # the search found it before the block too
    assert requests.get(project["packages"] + old.name, timeout=30).content == old.read_bytes()
    history = admin.get("teamindex/blocks/", params={"project": name}).json()["results"]
    assert [(b["kind"], b["lifted_by"]) for b in history] == [("project", admin.username)]


def test_a_release_filename_or_sha256_block_withholds_only_those_files(
    pulp, admin, publisher, index, project
):
    name, (old, new) = project["name"], project["files"]
    for kind, value in (
        ("release", f"{name}==1.0.0"),  # the version in another PEP 440 spelling
        ("filename", old.name),
        ("sha256", sha256_of(old).upper()),
    ):
        block = _block(admin, kind, value)
        try:
            assert _listed(project["page"]) == [new.name], kind
            _refused(requests.get(project["packages"] + old.name, timeout=30))
            newer = requests.get(project["packages"] + new.name, timeout=30)
            assert newer.content == new.read_bytes(), kind
        finally:
            _lift(admin, block)
        assert _listed(project["page"]) == sorted([old.name, new.name])


def test_blocked_bytes_enter_no_other_index(pulp, admin, publisher, index, project):
    """Promotion from the owner, modify and import of the same bytes are refused; the copy a
    production index already holds stops being served."""
    name, (old, new) = project["name"], project["files"]
    prod = make_index(admin)
    try:
        source = {"source": index["repository"]["pulp_href"], "project": name}
        repo = prod["repository"]["pulp_href"]
        publisher.ok(publisher.post(repo + "promote/", json={**source, "version": "1.0"}))
        block = _block(admin, "sha256", sha256_of(new))
        prod_packages = prod["distribution"]["index_url"].rsplit("simple/", 1)[0] + "packages/"
        assert requests.get(prod_packages + old.name, timeout=30).status_code == 200
        promote = publisher.wait(
            publisher.post(repo + "promote/", json={**source, "version": "1.1"})
        )
        assert promote["state"] == "failed" and REASON in promote["error"]["description"]
        (unit,) = admin.get("content/teamindex/packages/", params={"filename": new.name}).json()[
            "results"
        ]
        modify = publisher.wait(
            publisher.post(repo + "modify/", json={"add_content_units": [unit["pulp_href"]]})
        )
        assert modify["state"] == "failed" and REASON in modify["error"]["description"]
        drop = pulp.state_dir / "imports" / f"blocked-{name}"
        drop.mkdir(parents=True)
        shutil.copy(new, drop)
        imported = publisher.ok(publisher.post(repo + "import/", json={"path": str(drop)}))
        assert imported["result"]["imported"] == 0
        assert REASON in imported["result"]["refused"][0]["reason"]

        second = _block(admin, "release", f"{name}==1.0")  # the copy prod already holds
        _refused(requests.get(prod_packages + old.name, timeout=30))
        for made in (block, second):
            _lift(admin, made)
        assert requests.get(prod_packages + old.name, timeout=30).status_code == 200
    finally:
        admin.ok(admin.delete(prod["repository"]["pulp_href"]))


def test_a_block_reaches_names_served_from_an_upstream(admin, upstream):
    index = make_index(admin, upstream=upstream["url"])
    page = index["distribution"]["index_url"] + "public-lib/"
    try:
        assert requests.get(page, timeout=30).status_code == 200
        block = _block(admin, "project", "public-lib")
        _refused(requests.get(page, timeout=30))
        (listed,) = upstream["files"]["public-lib"]
        packages = index["distribution"]["index_url"].rsplit("simple/", 1)[0] + "packages/"
        _refused(requests.get(packages + listed.name, timeout=30))
        _lift(admin, block)
        assert requests.get(page, timeout=30).status_code == 200
    finally:
        admin.ok(admin.delete(index["repository"]["pulp_href"]))


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"kind": "everything", "value": "x"}, "not a valid choice"),
        ({"kind": "release", "value": "requests"}, "<project>==<version>"),
        ({"kind": "release", "value": "requests==not-a-version"}, "PEP 440"),
        ({"kind": "filename", "value": "../etc/passwd"}, "filename"),
        ({"kind": "sha256", "value": "abc"}, "64 hexadecimal"),
        ({"kind": "project", "value": "requests", "reason": " "}, "Say why"),
        ({"kind": "project", "value": "requests", "reason": "line\nbreak"}, "one line"),
    ],
)
def test_bad_blocks_get_a_clear_400(admin, body, words):
    made = admin.post("teamindex/blocks/", json={"reason": REASON, **body})
    assert made.status_code == 400 and words in made.text, made.text


def test_one_active_block_per_value(admin):
    value = f"dup-{uuid.uuid4().hex[:8]}"
    block = _block(admin, "project", value)
    again = admin.post("teamindex/blocks/", json={"kind": "project", "value": value, "reason": "x"})
    assert again.status_code == 400 and "blocked already" in again.text
    _lift(admin, block)
    _lift(admin, _block(admin, "project", value))  # once lifted, it may be blocked again
