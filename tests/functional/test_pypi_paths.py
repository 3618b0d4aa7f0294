"""Teams coming from pulp_python keep their URLs: `/pypi/<index>/simple/` for pip and uv and
`/pypi/<index>/legacy/` for twine reach the team index of that name, with the same guards."""

import requests
from helpers import fold, guard_index, pip, sha256_of, twine_upload, uv, uv_install

WHEEL = "synth_p00000-1.0.0-py3-none-any.whl"


def _pypi(origin, index, kind):
    return f"{origin}/pypi/{index['distribution']['base_path']}/{kind}/"


def test_pulp_python_urls_reach_the_team_index(pulp, index, publisher, corpus, tmp_path):
    uploaded = twine_upload(
        index, publisher, corpus / WHEEL, url=_pypi(pulp.api_url, index, "legacy")
    )
    assert uploaded.returncode == 0, uploaded.stdout + uploaded.stderr
    assert fold(publisher, index).endswith("/versions/1/")

    for origin in (pulp.api_url, pulp.content_origin):  # redirected by the API, or served
        url = _pypi(origin, index, "simple")
        target = tmp_path / origin.rsplit(":", 1)[1]
        got = pip("download", "--no-deps", "--index-url", url, "-d", target, "synth-p00000==1.0.0")
        assert got.returncode == 0, got.stdout + got.stderr
        assert sha256_of(target / WHEEL) == sha256_of(corpus / WHEEL)
        venv = tmp_path / f"venv-{target.name}"
        assert uv("venv", "--no-config", venv).returncode == 0
        installed = uv_install(venv, url, "synth-p00000==1.0.0")
        assert installed.returncode == 0, installed.stdout + installed.stderr
        assert "synth-p00000==1.0.0" in uv("pip", "freeze", "--python", venv / "bin/python").stdout


def test_the_api_redirects_pages_to_the_content_app(pulp, index):
    response = requests.get(
        _pypi(pulp.api_url, index, "simple") + "Synth.P00000/?x=1",
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == index["distribution"]["index_url"] + "Synth.P00000/?x=1"


def test_the_alias_keeps_a_private_index_private(pulp, admin, publisher, index, corpus):
    uploaded = twine_upload(
        index, publisher, corpus / WHEEL, url=_pypi(pulp.api_url, index, "legacy")
    )
    assert uploaded.returncode == 0
    page = _pypi(pulp.content_origin, index, "simple") + "synth-p00000/"
    file_url = f"{pulp.content_origin}/pypi/{index['distribution']['base_path']}/packages/{WHEEL}"
    assert requests.get(page, timeout=30).status_code == 200  # remembered while public
    guard_index(admin, index, ["publisher"])
    for url in (page, file_url):
        assert requests.get(url, timeout=30).status_code in (401, 403)
        allowed = requests.get(url, timeout=30, auth=(publisher.username, publisher.password))
        assert allowed.status_code == 200


def test_only_team_indexes_answer_under_pypi(pulp, admin):
    url = f"{pulp.content_origin}/pypi/no-such-index/simple/"
    anonymous = requests.get(url, timeout=30)  # as a private index answers: no hint either way
    assert anonymous.status_code == 401 and "private or does not exist" in anonymous.text
    signed_in = requests.get(url, timeout=30, auth=(admin.username, admin.password))
    assert signed_in.status_code == 404
