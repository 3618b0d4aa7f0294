import hashlib

import pytest
from builders import make_wheel

from pulp_teamindex.app.distfiles import inspect_distribution
from pulp_teamindex.app.exceptions import InvalidDistribution
from pulp_teamindex.app.upload.form import check_action, check_claims, claimable_hashers, hexdigests

WHL = "demo_pkg-1.0-py3-none-any.whl"


@pytest.fixture
def uploaded(tmp_path):
    path = make_wheel(tmp_path / WHL)
    hashers = claimable_hashers(hashlib.sha256())
    for hasher in hashers.values():
        hasher.update(path.read_bytes())
    return inspect_distribution(path, WHL), hexdigests(hashers)


def test_truthful_form_passes(uploaded):
    info, digests = uploaded
    form = {
        "name": "Demo_Pkg",
        "version": "1.0.0",
        "filetype": "bdist_wheel",
        "sha256_digest": digests["sha256"].upper(),
        "md5_digest": digests["md5"],
        "blake2_256_digest": digests["blake2_256"],
    }
    check_claims(form, info, digests)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"sha256_digest": "0" * 64}, "sha256_digest"),
        ({"md5_digest": "0" * 32}, "md5_digest"),
        ({"blake2_256_digest": "0" * 64}, "blake2_256_digest"),
        ({"name": "other"}, "names project"),
        ({"version": "2.0"}, "gives version"),
        ({"version": "not a version"}, "gives version"),
        ({"filetype": "sdist"}, "filetype"),
    ],
)
def test_contradicting_claims_are_refused(uploaded, form, message):
    info, digests = uploaded
    with pytest.raises(InvalidDistribution, match=message):
        check_claims(form, info, digests)


def test_only_file_upload_action_is_accepted():
    check_action({":action": "file_upload"})
    with pytest.raises(InvalidDistribution, match="file_upload"):
        check_action({":action": "submit"})
