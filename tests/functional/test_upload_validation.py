"""Uploads are validated before anything is stored, and a filename never changes bytes."""

import hashlib
import io
import os
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from helpers import MAX_UPLOAD, legacy_post, twine_upload
from twine.commands.upload import skip_upload

WHEEL = "synth_p00000-1.0.0-py3-none-any.whl"


def _post(index, user, name, data, form=None):
    return legacy_post(index, (user.username, user.password), name, data, form)


def _counts(admin, index):
    repo = admin.get(index["repository"]["pulp_href"]).json()
    return (
        admin.get("artifacts/").json()["count"],
        admin.get("content/teamindex/packages/").json()["count"],
        repo["latest_version_href"],
    )


def _stored_files(stack):
    return sorted(str(p) for p in (stack.state_dir / "media").rglob("*") if p.is_file())


def _zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


META = b"Metadata-Version: 2.1\nName: synth-p00000\nVersion: 1.0.0\n"
BAD_FILES = {
    "not-a-zip": (WHEEL, b"this is not a zip file", "not a valid wheel"),
    "empty": (WHEEL, b"", "empty"),
    "egg": ("synth_p00000-1.0.0-py3.11.egg", b"x", "Unsupported file type"),
    "no-dist-info": (WHEEL, _zip({"synth_p00000/__init__.py": b""}), "exactly one .dist-info"),
    "no-WHEEL-file": (
        WHEEL,
        _zip({"synth_p00000-1.0.0.dist-info/METADATA": META}),
        "WHEEL is missing",
    ),
    "name-mismatch": (
        WHEEL,
        _zip(
            {
                "other-1.0.0.dist-info/METADATA": META.replace(b"synth-p00000", b"other"),
                "other-1.0.0.dist-info/WHEEL": b"Wheel-Version: 1.0\n",
            }
        ),
        "names project",
    ),
    "escaping-member": (
        WHEEL,
        _zip(
            {
                "../../evil.py": b"",
                "synth_p00000-1.0.0.dist-info/METADATA": META,
                "synth_p00000-1.0.0.dist-info/WHEEL": b"Wheel-Version: 1.0\n",
            }
        ),
        "escapes",
    ),
    "metadata-major-3": (
        WHEEL,
        _zip(
            {
                "synth_p00000-1.0.0.dist-info/METADATA": META.replace(b"2.1", b"3.0"),
                "synth_p00000-1.0.0.dist-info/WHEEL": b"Wheel-Version: 1.0\n",
            }
        ),
        "Metadata-Version 3.0 is newer than this index supports",
    ),
    "non-pep625-sdist": ("Synth.P00000-1.0.0.tar.gz", b"x", "PEP 625"),
    "unknown-platform": (
        "synth_p00000-1.0.0-cp311-cp311-plan9_mips.whl",
        b"x",
        "unsupported platform tag 'plan9_mips'",
    ),
    "truncated-sdist": ("synth_p00000-1.0.0.tar.gz", b"\x1f\x8b\x08\x00junk", "not a valid sdist"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_refused_and_nothing_is_stored(case, index, publisher, admin):
    name, data, message = BAD_FILES[case]
    before = _counts(admin, index)
    response = _post(index, publisher, name, data)
    assert response.status_code == 400, response.text
    assert message in response.text
    assert _counts(admin, index) == before


def test_digest_mismatch_is_refused(corpus, index, publisher, admin):
    before = _counts(admin, index)
    response = _post(
        index, publisher, WHEEL, (corpus / WHEEL).read_bytes(), {"sha256_digest": "0" * 64}
    )
    assert response.status_code == 400
    assert "sha256_digest" in response.text
    assert _counts(admin, index) == before


def test_reupload_of_identical_file_is_a_noop(corpus, index, publisher, admin):
    assert twine_upload(index, publisher, corpus / WHEEL).returncode == 0
    before = _counts(admin, index)
    result = twine_upload(index, publisher, corpus / WHEEL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _counts(admin, index) == before


def test_same_filename_with_other_bytes_is_refused(pulp, corpus, index, publisher, admin, tmp_path):
    assert twine_upload(index, publisher, corpus / WHEEL).returncode == 0
    other = tmp_path / WHEEL
    shutil.copy(corpus / WHEEL, other)
    with zipfile.ZipFile(other, "a") as zf:
        zf.writestr("synth_p00000/extra.py", b"# different bytes\n")
    before = (_counts(admin, index), _stored_files(pulp))
    response = _post(index, publisher, WHEEL, other.read_bytes())
    assert response.status_code == 409
    assert "File already exists" in response.text
    # the refused bytes were stored before the verdict: no row, no file of them remains
    assert (_counts(admin, index), _stored_files(pulp)) == before
    # twine 7 only allows --skip-existing against PyPI's own hosts, so ask twine's own rule
    # whether it would skip this answer
    assert skip_upload(response, skip_existing=True, package=None)
    served = requests.get(index["distribution"]["index_url"] + "synth-p00000/", timeout=30)
    assert served.text.count(WHEEL + "</a>") == 1


def test_rest_upload_of_bad_file_is_refused_before_storing(index, publisher, admin):
    before = _counts(admin, index)
    response = publisher.post(
        "content/teamindex/packages/",
        data={"repository": index["repository"]["pulp_href"]},
        files={"file": (WHEEL, b"not a zip")},
    )
    assert response.status_code == 400
    assert "not a valid wheel" in response.text
    assert _counts(admin, index) == before


def test_parallel_uploads_of_one_filename_leave_one_file(corpus, index, publisher, admin, tmp_path):
    variants = []
    for n in range(6):
        path = tmp_path / f"v{n}" / WHEEL
        path.parent.mkdir()
        shutil.copy(corpus / WHEEL, path)
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("synth_p00000/variant.py", f"N = {n}\n")
        variants.append(path.read_bytes())
    with ThreadPoolExecutor(len(variants)) as pool:
        statuses = sorted(
            r.status_code for r in pool.map(lambda d: _post(index, publisher, WHEEL, d), variants)
        )
    assert statuses == [200] + [409] * (len(variants) - 1)
    doc = requests.get(
        index["distribution"]["index_url"] + "synth-p00000/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=30,
    ).json()
    (served,) = doc["files"]
    winner = next(
        d for d in variants if hashlib.sha256(d).hexdigest() == served["hashes"]["sha256"]
    )
    loser = next(d for d in variants if d is not winner)
    with ThreadPoolExecutor(4) as pool:
        retried = list(
            pool.map(lambda d: _post(index, publisher, WHEEL, d), [winner] * 3 + [loser])
        )
    assert [r.status_code for r in retried] == [200, 200, 200, 409]


def _big_wheel(corpus, tmp_path):
    path = tmp_path / WHEEL
    shutil.copy(corpus / WHEEL, path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("synth_p00000/blob.bin", os.urandom(MAX_UPLOAD + 1024))
    return path.read_bytes()


def test_oversize_upload_is_refused(corpus, index, publisher, admin, tmp_path):
    data = _big_wheel(corpus, tmp_path)
    before = _counts(admin, index)
    response = _post(index, publisher, WHEEL, data)
    assert response.status_code == 413
    assert "TEAMINDEX_MAX_UPLOAD_SIZE" in response.text
    rest = publisher.post(
        "content/teamindex/packages/",
        data={"repository": index["repository"]["pulp_href"]},
        files={"file": (WHEEL, data)},
    )
    assert rest.status_code == 400
    assert "TEAMINDEX_MAX_UPLOAD_SIZE" in rest.text
    assert _counts(admin, index) == before
