"""Search across indexes (`GET /pulp/api/v3/teamindex/search/?q=`): by name and summary, only
in the indexes the caller may read. The attacker is a user of index A searching for the names
of private index B."""

import json
import uuid
from types import SimpleNamespace

import pytest
from helpers import Client, guard_index, make_index, twine_upload
from test_json_api import HOSTILE, make_wheel

PASSWORD = "Search-pass-123"
SEARCH = "teamindex/search/"
VIEWER = "teamindex.teamindexrepository_viewer"


def _user(admin, role):
    name = f"{role}-{uuid.uuid4().hex[:6]}"
    created = admin.post("users/", json={"username": name, "password": PASSWORD})
    assert created.status_code == 201, created.text
    return name, created.json()["pulp_href"]


def _publish(index, publisher, directory, name, version, summary):
    path = make_wheel(directory, name, version, summary=summary)
    result = twine_upload(index, publisher, path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def world(admin, publisher, tmp_path_factory):
    """Index A (public) and B (private: guarded, read by `reader` only); `attacker` is a user
    with no role, who may read A as everyone may. Each index holds projects whose names and
    summaries share the tag, so one search would find all of them."""
    tag = uuid.uuid4().hex[:6]
    files = tmp_path_factory.mktemp("search")
    a, b = make_index(admin), make_index(admin)
    names = {
        "a": f"srch-{tag}",  # A's exact name
        "a_prefix": f"srch-{tag}-client",
        "a_summary": f"tools-{tag}",
        "b": f"srch-{tag}-secret",
        "b_summary": f"vault-{tag}",
    }
    _publish(a, publisher, files, names["a"], "1.0", "the first one")
    _publish(a, publisher, files, names["a"], "2.0", f"core library {tag}")
    _publish(a, publisher, files, names["a_prefix"], "0.1", "a client")
    _publish(a, publisher, files, names["a_summary"], "1.0", f"helpers for srch-{tag} users")
    _publish(b, publisher, files, names["b"], "1.0", f"private srch-{tag} credentials")
    _publish(b, publisher, files, names["b_summary"], "1.0", f"SECRET-{tag} rotation")
    reader, reader_href = _user(admin, "reader")
    attacker, attacker_href = _user(admin, "attacker")
    guard_index(admin, b, [reader])
    granted = {"role": VIEWER, "users": [reader]}
    assert admin.post(b["repository"]["pulp_href"] + "add_role/", json=granted).status_code == 201
    yield SimpleNamespace(
        tag=tag,
        a=a,
        b=b,
        names=names,
        reader=Client(admin.stack, reader, PASSWORD),
        attacker=Client(admin.stack, attacker, PASSWORD),
        admin=admin,
    )
    for href in (reader_href, attacker_href):
        admin.delete(href)
    for index in (a, b):
        admin.ok(admin.delete(index["repository"]["pulp_href"]))


def _search(client, q, **params):
    answer = client.get(SEARCH, params={"q": q, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _names(found):
    return [hit["normalized_name"] for hit in found["results"]]


def test_hits_rank_name_then_prefix_then_summary(world):
    found = _search(world.attacker, f"srch-{world.tag}")
    assert _names(found) == [world.names["a"], world.names["a_prefix"], world.names["a_summary"]]
    top = found["results"][0]
    assert top["version"] == "2.0" and top["summary"] == f"core library {world.tag}"
    assert top["index"] == world.a["name"]
    assert top["index_url"] == world.a["distribution"]["index_url"]
    assert top["json_url"].endswith(f"/pypi/{world.names['a']}/json")
    spelled = _search(world.attacker, f"SRCH_{world.tag}")  # any spelling of the name
    assert _names(spelled)[0] == world.names["a"]
    assert _names(_search(world.attacker, f"CORE LIBRARY {world.tag}")) == [world.names["a"]]
    assert len(_search(world.attacker, f"srch-{world.tag}", limit=1)["results"]) == 1


def test_a_user_of_a_never_sees_bs_names(world):
    """Whatever the attacker types (B's exact name, its summary's words, a wildcard), no hit
    and no byte of the answer but their own query names B's projects or B."""
    secret_names = (world.names["b"], world.names["b_summary"])
    for q in (
        world.names["b"],
        world.names["b_summary"],
        f"secret-{world.tag}",
        f"srch-{world.tag}",
        world.tag,
        "%%",
        "__",
        f"{world.tag[:3]}%",
    ):
        answer = world.attacker.get(SEARCH, params={"q": q})
        assert answer.status_code in (200, 400), (q, answer.text)  # 400: no letter or digit
        shown = answer.text.replace(json.dumps(q)[1:-1], "")  # the query is echoed back
        assert not any(name in shown for name in secret_names), q
        assert world.b["name"] not in shown, q
    assert _search(world.attacker, world.names["b"])["results"] == []


def test_a_reader_of_b_finds_its_names(world):
    found = _search(world.reader, world.tag)
    assert set(_names(found)) == set(world.names.values())
    secret = next(h for h in found["results"] if h["normalized_name"] == world.names["b"])
    assert secret["index"] == world.b["name"]
    assert _names(_search(world.reader, f"secret-{world.tag} ROTATION")) == [
        world.names["b_summary"]
    ]


def test_a_summary_only_bs_files_have_is_not_matched_for_others(world, publisher, tmp_path):
    """A project A serves, whose newer release (with words of its own in the summary) was
    promoted to B and removed from A: those words find it for B's reader only."""
    name, secret = f"moved-{world.tag}", f"hushword{world.tag}"
    _publish(world.a, publisher, tmp_path, name, "1.0", "plain words")
    _publish(world.a, publisher, tmp_path, name, "2.0", f"now with {secret}")
    body = {"source": world.a["repository"]["pulp_href"], "project": name, "version": "2.0"}
    publisher.ok(publisher.post(world.b["repository"]["pulp_href"] + "promote/", json=body))
    removed = {"project": name, "version": "2.0"}
    publisher.ok(publisher.post(world.a["repository"]["pulp_href"] + "remove/", json=removed))
    assert _search(world.attacker, secret)["results"] == []
    (hit,) = _search(world.reader, secret)["results"]
    assert (hit["index"], hit["version"]) == (world.b["name"], "2.0")
    (public,) = _search(world.attacker, name)["results"]  # A's release, with A's summary
    assert (public["version"], public["summary"]) == ("1.0", "plain words")


def test_wildcards_are_taken_literally(world):
    assert _search(world.admin, f"%{world.tag}")["results"] == []
    assert _search(world.admin, f"{world.tag[:3]}%")["results"] == []
    assert _search(world.admin, f"srch\\{world.tag}")["results"] == []


def test_hostile_summary_is_returned_as_data(world, publisher, tmp_path):
    name = f"hostile-{world.tag}"
    _publish(world.a, publisher, tmp_path, name, "1.0", HOSTILE)
    answer = world.attacker.get(SEARCH, params={"q": name})
    assert answer.headers["Content-Type"].startswith("application/json")
    (hit,) = json.loads(answer.text)["results"]
    assert hit["summary"] == HOSTILE and hit["normalized_name"] == name


def test_a_new_upload_is_found_at_once_and_a_removed_one_is_not(world, publisher, tmp_path):
    name = f"fresh-{world.tag}"
    _publish(world.a, publisher, tmp_path, name, "1.0", "just published")
    assert _names(_search(world.attacker, name)) == [name]  # pending in the journal
    repo = world.a["repository"]["pulp_href"]
    publisher.ok(publisher.post(repo + "remove/", json={"project": name}))
    assert _search(world.attacker, name)["results"] == []


def test_questions_a_person_can_fix(world, pulp):
    for params in (
        {},
        {"q": "x"},
        {"q": "x" * 101},
        {"q": "%%"},
        {"q": "abc", "limit": "0"},
        {"q": "abc", "limit": "many"},
    ):
        answer = world.attacker.get(SEARCH, params=params)
        assert answer.status_code == 400, (params, answer.text)
        assert set(answer.json()) == ({"limit"} if "limit" in params else {"q"})
    anonymous = Client(pulp, "nobody", "")
    anonymous.session.auth = None
    assert anonymous.get(SEARCH, params={"q": world.tag}).status_code in (401, 403)
