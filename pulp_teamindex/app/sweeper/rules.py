"""What the sweeper may remove: pure decisions on names, ages and liveness, so that each one
can be tested without storage, a database or processes.

The one rule behind all of them: never remove what a row names, nor anything younger than the
grace period (a write, an upload or a task may still be on its way to naming it).
"""

import re

HEX = re.compile(r"[0-9a-f]+")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SPOOL = re.compile(r"tmp[^/]*\.upload(\.[^/]*)?")  # Django's and pulpcore's upload spool files
WORKER = re.compile(r"(\d+)@(.+)")  # pulpcore's worker names, and their working directories


def artifact_sha256(name):
    """The sha256 an artifact's storage name ("artifact/ab/cdef...", or
    "artifact/<domain>/ab/cdef..." in another domain) stands for, or None for any other name:
    a file the sweeper does not know is never its to remove."""
    parts = name.split("/")
    if len(parts) == 4 and UUID.fullmatch(parts[1]):
        parts = [parts[0], *parts[2:]]
    if len(parts) != 3 or parts[0] != "artifact" or len(parts[1]) != 2:
        return None
    digest = parts[1] + parts[2]
    return digest if len(digest) == 64 and HEX.fullmatch(digest) else None


def is_artifact_dir(name, top):
    """Whether the directory `name` under "artifact/" holds artifacts (two hex digits) or, at
    the top, a domain's artifacts (its uuid)."""
    return (len(name) == 2 and bool(HEX.fullmatch(name))) or (top and bool(UUID.fullmatch(name)))


def artifact_names(listdir, path="artifact", top=True):
    """Every file name under `path` in artifact directories, walked with `listdir(path)` ->
    (directories, files) as Django storages list (by prefix on object storage)."""
    try:
        dirs, files = listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{path}/{name}"
    for name in dirs:
        if is_artifact_dir(name, top):
            yield from artifact_names(listdir, f"{path}/{name}", top=False)


def old_enough(age, grace):
    """Whether something last written `age` seconds ago is past the grace period."""
    return age is not None and age >= grace


def is_spool(name):
    """Whether a file name in FILE_UPLOAD_TEMP_DIR is an upload's spool file; nothing else
    there (the directory may be shared) is the sweeper's."""
    return bool(SPOOL.fullmatch(name))


def worker_of(name):
    """(pid, host) of a pulpcore worker name ("1234@host"), or None."""
    match = WORKER.fullmatch(name)
    return (int(match[1]), match[2]) if match else None


def worker_is_dead(name, heartbeat_age, ttl, host, pid_alive):
    """Whether the worker recorded as `name`, last heard of `heartbeat_age` seconds ago, is
    gone: silent for longer than pulpcore's WORKER_TTL, or a process of this `host` that no
    longer exists (`pid_alive(pid)` is False) and has missed a heartbeat (a third of the TTL),
    which tells within seconds of a restart, not after the TTL."""
    if heartbeat_age > ttl:
        return True
    worker = worker_of(name)
    if worker is None or worker[1] != host:
        return False
    return heartbeat_age > ttl / 3 and not pid_alive(worker[0])
