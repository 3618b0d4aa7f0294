"""Every upload client shows why an upload was refused: the reason is in the status line (as
PyPI does), not only in the body that twine hides without --verbose. A file name is published
exactly as sent: one with directories is refused, never silently renamed."""

import re
import shutil
import zipfile

import pytest
from distgen import wheel
from helpers import Client, legacy_post, twine_upload

WHEEL = "synth_p00000-1.0.0-py3-none-any.whl"


def _twine_says(result, *fragments):
    output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    assert result.returncode != 0, output
    for fragment in fragments:
        assert fragment in " ".join(output.split()), output


def test_twine_without_verbose_prints_why_a_file_is_invalid(index, publisher, tmp_path):
    built = wheel(tmp_path, "synth-p00000", "1.0.0")
    path = built.rename(tmp_path / "synth_p00000-1.0.0-cp311-cp311-plan9_mips.whl")
    _twine_says(
        twine_upload(index, publisher, path),
        "400",
        "has an unsupported platform tag 'plan9_mips'",
    )


def test_twine_without_verbose_prints_who_may_publish(index, admin, corpus):
    _twine_says(
        twine_upload(index, admin, corpus / WHEEL),
        "403",
        "User 'admin' may not publish to index",
        "only the service account 'publisher' may",
    )


def test_twine_without_verbose_prints_that_the_filename_is_taken(
    index, publisher, corpus, tmp_path
):
    assert twine_upload(index, publisher, corpus / WHEEL).returncode == 0
    other = tmp_path / WHEEL
    shutil.copy(corpus / WHEEL, other)
    with zipfile.ZipFile(other, "a") as zf:
        zf.writestr("synth_p00000/extra.py", b"# other bytes\n")
    _twine_says(twine_upload(index, publisher, other), "409", "File already exists")


def test_the_reason_phrase_is_one_safe_line(index, publisher):
    response = legacy_post(
        index, (publisher.username, publisher.password), "bad\u00e9-1.0.tar.gz", b"x"
    )
    assert response.status_code == 400
    assert response.reason.isascii() and "\n" not in response.reason
    assert "bad" in response.reason and "bad" in response.text


@pytest.mark.parametrize(
    "sent", ["../synth_p00000-1.0.0-py3-none-any.whl", "/abs/" + WHEEL, "..\\" + WHEEL]
)
def test_a_filename_with_directories_is_refused_not_renamed(sent, index, publisher, admin, corpus):
    data = (corpus / WHEEL).read_bytes()
    packages = admin.get("content/teamindex/packages/", params={"filename": WHEEL}).json()
    legacy = legacy_post(index, (publisher.username, publisher.password), sent, data)
    assert legacy.status_code == 400, legacy.text
    assert "without directories" in legacy.text and "without directories" in legacy.reason
    rest = publisher.post(
        "content/teamindex/packages/",
        data={"repository": index["repository"]["pulp_href"]},
        files={"file": (sent, data)},
    )
    assert rest.status_code == 400, rest.text
    assert "without directories" in rest.text
    after = admin.get("content/teamindex/packages/", params={"filename": WHEEL}).json()
    assert after["count"] == packages["count"]
    latest = admin.get(index["repository"]["pulp_href"]).json()["latest_version_href"]
    assert latest.endswith("/versions/0/")


def test_an_anonymous_upload_is_challenged(index):
    response = legacy_post(index, None, WHEEL, b"x")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_a_wrong_password_is_refused_with_a_reason(index, pulp):
    stranger = Client(pulp, "publisher", "wrong-password")
    response = legacy_post(index, (stranger.username, stranger.password), WHEEL, b"x")
    assert response.status_code == 401
    assert response.reason != "Unauthorized"


@pytest.mark.parametrize("sent", [5, ["x"], {"href": "x"}, None, True])
def test_an_index_named_by_anything_but_an_href_string_is_a_400_saying_so(
    sent, index, admin, publisher
):
    """Every REST field naming a team index refuses a number, list or object with a 400 that
    says what to send (pulpcore's own field answers a 500)."""
    href = index["repository"]["pulp_href"]
    future = "2099-01-01T00:00:00Z"
    requests_ = {
        "teamindex/cooldown-exceptions/": {
            "repository": sent,
            "value": "x",
            "reason": "r",
            "expires_at": future,
        },
        "teamindex/namespaces/": {"repository": sent, "prefix": "acme"},
        "teamindex/tokens/": {"name": "ci", "repositories": [sent]},
        "teamindex/trusted-publishers/": {"repository": sent, "name": "n"},
        href + "promote/": {"source": sent, "project": "a"},
    }
    for url, body in requests_.items():
        answer = (publisher if "promote" in url else admin).post(url, json=body)
        assert answer.status_code == 400, (url, answer.status_code, answer.text)
        field = (
            "repositories" if "tokens" in url else ("source" if "promote" in url else "repository")
        )
        said = str(answer.json()[field])
        assert "href" in said or "null" in said, (url, said)
