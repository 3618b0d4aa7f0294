"""The walking skeleton, end to end: CI publishes with twine, developers install with pip and uv
from the distribution URL, and the files they get are the bytes that were uploaded."""

import hashlib
import zipfile
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin

import requests
from helpers import fold, pip, sha256_of, twine_upload, uv_install


def wheel(corpus, project=0, version="1.0.0"):
    return corpus / f"synth_p{project:05d}-{version}-py3-none-any.whl"


def sdist(corpus, project=0, version="1.0.0"):
    return corpus / f"synth_p{project:05d}-{version}.tar.gz"


def test_distribution_reports_index_and_upload_urls(pulp, index):
    dist = index["distribution"]
    assert dist["index_url"] == (f"{pulp.content_origin}/pulp/content/{index['name']}/simple/")
    assert dist["upload_url"] == f"{pulp.api_url}/pulp/teamindex/{index['name']}/legacy/"


def test_twine_upload_then_pip_install_serves_the_uploaded_bytes(
    corpus, index, publisher, venv, tmp_path
):
    files = [wheel(corpus, p, v) for p in range(3) for v in ("1.0.0", "1.1.0")]
    result = twine_upload(index, publisher, *files, sdist(corpus, 0))
    assert result.returncode == 0, result.stdout + result.stderr

    url = index["distribution"]["index_url"]
    downloads = tmp_path / "dl"
    got = pip("download", "--no-deps", "--index-url", url, "-d", downloads, "synth-p00002==1.1.0")
    assert got.returncode == 0, got.stdout + got.stderr
    fetched = downloads / wheel(corpus, 2, "1.1.0").name
    assert sha256_of(fetched) == sha256_of(wheel(corpus, 2, "1.1.0"))
    assert url.rsplit("/simple/", 1)[0] in got.stdout  # pip names the index it used

    installed = pip("install", "--index-url", url, "synth-p00002", python=venv / "bin" / "python")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    # the chain resolved through our index: p00002 needs p00001 needs p00000, newest of each
    site = next((venv / "lib").glob("python*/site-packages"))
    for project in range(3):
        dist = f"synth_p{project:05d}"
        with zipfile.ZipFile(wheel(corpus, project, "1.1.0")) as zf:
            assert (site / dist / "__init__.py").read_bytes() == zf.read(f"{dist}/__init__.py")
            metadata = f"{dist}-1.1.0.dist-info/METADATA"
            assert (site / metadata).read_bytes() == zf.read(metadata)
    # pip resolved from the PEP 658 metadata files, not by downloading every wheel
    assert ".whl.metadata" in installed.stdout


def test_uv_installs_from_the_index(corpus, index, publisher, venv):
    assert twine_upload(index, publisher, wheel(corpus, 0, "1.1.0")).returncode == 0
    result = uv_install(venv, index["distribution"]["index_url"], "synth-p00000")
    assert result.returncode == 0, result.stdout + result.stderr
    site = next((venv / "lib").glob("python*/site-packages"))
    assert (site / "synth_p00000-1.1.0.dist-info").is_dir()


def test_upload_is_served_as_soon_as_twine_returns(corpus, index, publisher):
    url = index["distribution"]["index_url"] + "synth-p00001/"
    assert requests.get(url, timeout=30).status_code == 404
    for version in ("1.0.0", "1.1.0"):
        assert twine_upload(index, publisher, wheel(corpus, 1, version)).returncode == 0
        page = requests.get(url, timeout=30)
        assert page.status_code == 200
        assert wheel(corpus, 1, version).name in page.text


def test_pip_sees_each_file_hash_and_requires_python(corpus, index, publisher):
    target = wheel(corpus, 0)
    assert twine_upload(index, publisher, target).returncode == 0
    page = requests.get(index["distribution"]["index_url"] + "synth-p00000/", timeout=30)
    assert f'#sha256={sha256_of(target)}"' in page.text
    assert 'data-requires-python="&gt;=3.8"' in page.text


def test_json_and_html_are_negotiated(corpus, index, publisher):
    assert twine_upload(index, publisher, wheel(corpus, 0), sdist(corpus, 0)).returncode == 0
    base = index["distribution"]["index_url"]
    doc = requests.get(
        base + "synth-p00000/",
        timeout=30,
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    assert doc.headers["Content-Type"].startswith("application/vnd.pypi.simple.v1+json")
    assert doc.headers["Vary"] == "Accept"
    body = doc.json()
    assert body["name"] == "synth-p00000"
    by_name = {f["filename"]: f for f in body["files"]}
    assert by_name[wheel(corpus, 0).name]["hashes"]["sha256"] == sha256_of(wheel(corpus, 0))
    assert by_name[wheel(corpus, 0).name]["size"] == wheel(corpus, 0).stat().st_size
    assert "core-metadata" in by_name[wheel(corpus, 0).name]
    assert "core-metadata" not in by_name[sdist(corpus, 0).name]

    file_url = urljoin(base + "synth-p00000/", by_name[wheel(corpus, 0).name]["url"])
    metadata = requests.get(file_url + ".metadata", timeout=30)
    assert metadata.status_code == 200
    digest = hashlib.sha256(metadata.content).hexdigest()
    assert digest == by_name[wheel(corpus, 0).name]["core-metadata"]["sha256"]

    html = requests.get(base + "synth-p00000/", timeout=30, headers={"Accept": "text/html"})
    assert html.headers["Content-Type"].startswith("text/html")
    refused = requests.get(base, timeout=30, headers={"Accept": "application/xml"})
    assert refused.status_code == 406
    root = requests.get(base, timeout=30, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    assert [p["name"] for p in root.json()["projects"]] == ["synth-p00000"]


def test_names_are_normalized_and_unknown_projects_are_404(corpus, index, publisher):
    assert twine_upload(index, publisher, wheel(corpus, 0)).returncode == 0
    base = index["distribution"]["index_url"]
    moved = requests.get(base + "Synth_P00000/", timeout=30, allow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith("/simple/synth-p00000/")
    assert requests.get(base + "no-such-project/", timeout=30).status_code == 404
    assert (
        requests.get(base.rsplit("simple/", 1)[0] + "packages/nope.whl", timeout=30).status_code
        == 404
    )


def test_etag_allows_revalidation(corpus, index, publisher):
    assert twine_upload(index, publisher, wheel(corpus, 0)).returncode == 0
    url = index["distribution"]["index_url"] + "synth-p00000/"
    first = requests.get(url, timeout=30)
    again = requests.get(url, timeout=30, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert twine_upload(index, publisher, wheel(corpus, 0, "1.1.0")).returncode == 0
    changed = requests.get(url, timeout=30, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200


def test_yanked_release_is_skipped_unless_pinned(corpus, index, publisher, admin, tmp_path):
    files = [wheel(corpus, 0, "1.0.0"), wheel(corpus, 0, "1.1.0")]
    assert twine_upload(index, publisher, *files).returncode == 0
    repo = index["repository"]["pulp_href"]
    refused = admin.post(repo + "yank/", json={"project": "synth-p00000", "version": "1.1.0"})
    assert refused.status_code == 403  # yanking changes what the index serves: publisher only
    publisher.ok(
        publisher.post(
            repo + "yank/",
            json={"project": "Synth_P00000", "version": "1.1", "reason": "broken <b>build</b>"},
        )
    )

    url = index["distribution"]["index_url"]
    page = requests.get(url + "synth-p00000/", timeout=30)
    assert 'data-yanked="broken &lt;b&gt;build&lt;/b&gt;"' in page.text
    doc = requests.get(
        url + "synth-p00000/", timeout=30, headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    ).json()
    yanked = {f["filename"]: f["yanked"] for f in doc["files"]}
    assert yanked == {files[0].name: False, files[1].name: "broken <b>build</b>"}

    latest = pip("download", "--no-deps", "--index-url", url, "-d", tmp_path / "a", "synth-p00000")
    assert latest.returncode == 0, latest.stderr
    assert [p.name for p in (tmp_path / "a").iterdir()] == [files[0].name]
    pinned = pip(
        "download", "--no-deps", "--index-url", url, "-d", tmp_path / "b", "synth-p00000==1.1.0"
    )
    assert pinned.returncode == 0, pinned.stderr
    assert [p.name for p in (tmp_path / "b").iterdir()] == [files[1].name]

    publisher.ok(publisher.post(repo + "unyank/", json={"filenames": [files[1].name]}))
    doc = requests.get(
        url + "synth-p00000/", timeout=30, headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    ).json()
    assert all(f["yanked"] is False for f in doc["files"])
    # the two uploads (folded by the yank into one version), the yank and the unyank
    assert admin.get(repo).json()["latest_version_href"].endswith("/versions/3/")


def test_yank_of_unknown_file_is_a_clear_400(index, publisher):
    response = publisher.post(
        index["repository"]["pulp_href"] + "yank/", json={"filenames": ["nope-1.0.tar.gz"]}
    )
    assert response.status_code == 400
    assert "nope-1.0.tar.gz" in response.text


def test_files_and_metadata_are_served_exactly_and_follow_changes(corpus, index, publisher, admin):
    target = wheel(corpus, 0)
    assert twine_upload(index, publisher, target).returncode == 0
    page_url = index["distribution"]["index_url"] + "synth-p00000/"
    file_url = urljoin(page_url, f"../../packages/{target.name}")
    with zipfile.ZipFile(target) as zf:
        metadata = zf.read("synth_p00000-1.0.0.dist-info/METADATA")
    for _ in range(3):  # the first request resolves the index; later ones come from memory
        assert requests.get(page_url, timeout=30).status_code == 200
        got = requests.get(file_url, timeout=30)
        assert got.status_code == 200
        assert got.content == target.read_bytes()
        assert requests.get(file_url + ".metadata", timeout=30).content == metadata
        assert (
            requests.get(urljoin(page_url, "../../packages/nope.whl"), timeout=30).status_code
            == 404
        )

    latest = fold(admin, index)
    unit = admin.get("content/teamindex/packages/", params={"repository_version": latest}).json()
    publisher.ok(
        publisher.post(
            index["repository"]["pulp_href"] + "modify/",
            json={"remove_content_units": [unit["results"][0]["pulp_href"]]},
        )
    )
    assert requests.get(file_url, timeout=30).status_code == 404
    assert requests.get(page_url, timeout=30).status_code == 404


def test_an_independent_parser_reads_html_and_json_alike(corpus, index, publisher):
    from pypi_simple import ACCEPT_HTML_ONLY, ACCEPT_JSON_ONLY, PyPISimple

    files = [wheel(corpus, 0, "1.0.0"), sdist(corpus, 0, "1.0.0"), wheel(corpus, 0, "1.1.0")]
    assert twine_upload(index, publisher, *files).returncode == 0
    publisher.ok(
        publisher.post(
            index["repository"]["pulp_href"] + "yank/",
            json={"filenames": [files[2].name], "reason": "r"},
        )
    )
    url = index["distribution"]["index_url"]
    seen = {}
    for accept in (ACCEPT_HTML_ONLY, ACCEPT_JSON_ONLY):
        with PyPISimple(url, accept=accept) as client:
            assert client.get_index_page().projects == ["synth-p00000"]
            page = client.get_project_page("synth-p00000")
        seen[accept] = sorted(
            (
                p.filename,
                p.digests["sha256"],
                p.requires_python,
                p.is_yanked,
                p.yanked_reason,
                bool(p.has_metadata),
                p.version,
            )
            for p in page.packages
        )
        assert page.repository_version == "1.4"
    assert seen[ACCEPT_HTML_ONLY] == seen[ACCEPT_JSON_ONLY]
    assert seen[ACCEPT_JSON_ONLY] == sorted(
        [
            (files[0].name, sha256_of(files[0]), ">=3.8", False, None, True, "1.0.0"),
            (files[1].name, sha256_of(files[1]), ">=3.8", False, None, False, "1.0.0"),
            (files[2].name, sha256_of(files[2]), ">=3.8", True, "r", True, "1.1.0"),
        ]
    )


def test_pip_skips_files_whose_requires_python_excludes_it(index, publisher, tmp_path):
    out = tmp_path / "w"
    out.mkdir()
    for version, requires in (("1.0", ">=3.8"), ("2.0", "<3")):
        name = f"rp_demo-{version}-py3-none-any.whl"
        meta = (
            f"Metadata-Version: 2.1\nName: rp-demo\nVersion: {version}\n"
            f"Requires-Python: {requires}\n"
        )
        with zipfile.ZipFile(out / name, "w") as zf:
            zf.writestr(f"rp_demo-{version}.dist-info/METADATA", meta)
            zf.writestr(f"rp_demo-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\n")
            zf.writestr(f"rp_demo-{version}.dist-info/RECORD", "")
    assert twine_upload(index, publisher, *sorted(out.iterdir())).returncode == 0
    got = pip(
        "download",
        "--no-deps",
        "--index-url",
        index["distribution"]["index_url"],
        "-d",
        tmp_path / "dl",
        "rp-demo",
    )
    assert got.returncode == 0, got.stderr
    assert [p.name for p in (tmp_path / "dl").iterdir()] == ["rp_demo-1.0-py3-none-any.whl"]


def test_a_burst_of_first_requests_gets_one_consistent_answer(corpus, index, publisher):
    """Concurrent first requests share one lookup and one rendering; each still gets its own
    complete answer; a burst for an unknown project gets 404 every time, and one for an
    unknown index 401, as a private index answers anonymous callers."""
    target = wheel(corpus, 0)
    assert twine_upload(index, publisher, target).returncode == 0
    page_url = index["distribution"]["index_url"] + "synth-p00000/"
    missing_urls = {
        index["distribution"]["index_url"] + "no-such-project/": 404,
        index["distribution"]["index_url"].replace(index["name"], "no-such-index"): 401,
    }

    def burst(url):
        with ThreadPoolExecutor(max_workers=32) as pool:
            return list(pool.map(lambda _: requests.get(url, timeout=30), range(64)))

    pages = burst(page_url)
    assert {p.status_code for p in pages} == {200}
    assert len({p.content for p in pages}) == 1
    assert target.name in pages[0].text
    for url, status in missing_urls.items():
        assert {m.status_code for m in burst(url)} == {status}
