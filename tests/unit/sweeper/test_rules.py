from pulp_teamindex.app.sweeper.rules import (
    artifact_names,
    artifact_sha256,
    is_artifact_dir,
    is_spool,
    old_enough,
    worker_is_dead,
    worker_of,
)

SHA = "ab" + "c" * 62
DOMAIN = "0b5c6a2e-1f4d-4c1a-9e8f-2a7b3c4d5e6f"


def test_only_artifact_names_map_to_a_digest():
    assert artifact_sha256(f"artifact/ab/{'c' * 62}") == SHA
    assert artifact_sha256(f"artifact/{DOMAIN}/ab/{'c' * 62}") == SHA
    assert artifact_sha256(f"artifact/ab/{'c' * 61}") is None  # too short
    assert artifact_sha256(f"artifact/ab/{'C' * 62}") is None  # not what pulpcore writes
    assert artifact_sha256(f"upload/ab/{'c' * 62}") is None  # pulpcore's chunked uploads
    assert artifact_sha256(f"artifact/not-a-domain/ab/{'c' * 62}") is None
    assert artifact_sha256("artifact/ab") is None


def test_the_listing_descends_into_digest_and_domain_directories_only():
    assert is_artifact_dir("ab", top=True)
    assert is_artifact_dir(DOMAIN, top=True)
    assert not is_artifact_dir(DOMAIN, top=False)
    assert not is_artifact_dir("tmp", top=True)


def test_nothing_younger_than_the_grace_period_and_nothing_of_unknown_age():
    assert old_enough(3600, 3600)
    assert not old_enough(3599.9, 3600)
    assert not old_enough(None, 0)


def test_only_upload_spool_files_are_the_sweepers():
    assert is_spool("tmpa1b2c3.upload.whl")
    assert is_spool("tmpa1b2c3.upload.gz")
    assert is_spool("tmpa1b2c3.upload")
    assert not is_spool("tmpa1b2c3")  # someone else's temporary file in a shared directory
    assert not is_spool("settings.py")


def test_worker_names():
    assert worker_of("1234@node-1") == (1234, "node-1")
    assert worker_of("1234@node@x") == (1234, "node@x")
    assert worker_of("api-worker") is None


def test_a_silent_worker_is_dead_after_the_ttl_anywhere():
    assert worker_is_dead("1@elsewhere", 30.1, 30, "here", lambda pid: True)
    assert not worker_is_dead("1@elsewhere", 29, 30, "here", lambda pid: False)


def test_a_vanished_process_of_this_host_is_dead_once_it_misses_a_heartbeat():
    gone, alive = (lambda pid: False), (lambda pid: True)
    assert worker_is_dead("1@here", 10.5, 30, "here", gone)
    assert not worker_is_dead("1@here", 9, 30, "here", gone)  # may be between two beats
    assert not worker_is_dead("1@here", 20, 30, "here", alive)
    assert not worker_is_dead("bogus", 20, 30, "here", gone)


def test_the_walk_lists_artifacts_only_and_tolerates_a_missing_prefix():
    tree = {
        "artifact": ([DOMAIN, "ab", "tmp"], ["stray"]),
        f"artifact/{DOMAIN}": (["cd"], []),
        f"artifact/{DOMAIN}/cd": ([], ["e" * 62]),
        "artifact/ab": ([], ["c" * 62]),
        "artifact/tmp": ([], ["not-ours"]),
    }

    def listdir(path):
        if path not in tree:
            raise FileNotFoundError(path)
        return tree[path]

    names = list(artifact_names(listdir))
    assert names == [
        "artifact/stray",
        f"artifact/{DOMAIN}/cd/{'e' * 62}",
        f"artifact/ab/{'c' * 62}",
    ]
    assert [artifact_sha256(n) for n in names] == [None, "cd" + "e" * 62, SHA]

    def nothing(path):
        raise FileNotFoundError(path)

    assert list(artifact_names(nothing)) == []
