"""Read and validate a Python distribution file (wheel or sdist) before it enters an index.

Everything here is plain Python on a file path: no Django, no database, so every rule is unit
tested directly. Each refusal raises `InvalidDistribution` with a message meant for the person
who ran twine: it says what is wrong and what to do about it.
"""

import gzip
import hashlib
import io
import os
import posixpath
import re
import tarfile
import zipfile
import zlib
from dataclasses import dataclass

import pkginfo
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from pulp_teamindex.app.exceptions import InvalidDistribution

WHEEL = "bdist_wheel"
SDIST = "sdist"

MAX_SUMMARY = 512  # characters of a Summary kept for search
# Core metadata is a few KB; anything past this is not metadata but an attack or an accident.
MAX_METADATA_BYTES = 1024 * 1024
# An sdist whose members expand past this is treated as a decompression bomb.
MAX_SDIST_SCAN_BYTES = 512 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 100_000
# The core metadata major version this index reads; a higher major may change what fields mean,
# and the spec says a tool MUST refuse it rather than guess.
SUPPORTED_METADATA_MAJOR = 2

# Platform tags a new upload may carry: the families installers know (PEP 425, 513, 599, 600,
# 656, 730, 738, 783). PyPI refuses `linux_*`, since a public index cannot know which Linux a
# wheel was built for; a team index can, so it accepts them (docs/publishing.md).
_PLATFORM_TAG = re.compile(
    r"^(any|win32|win_amd64|win_arm64|win_ia64"
    r"|(manylinux1|manylinux2010|manylinux2014|manylinux_\d+_\d+|musllinux_\d+_\d+|linux)"
    r"_(x86_64|i686|aarch64|armv7l|armv6l|ppc64|ppc64le|s390x|riscv64|loongarch64)"
    r"|macosx_\d+_\d+_(x86_64|arm64|universal2|universal|intel|fat3|fat64|fat32|i386|ppc64|ppc)"
    r"|ios_\d+_\d+_(arm64|x86_64)_(iphoneos|iphonesimulator)"
    r"|android_\d+_(arm64_v8a|armeabi_v7a|x86_64|x86)"
    r"|pyodide_\d+_\d+_wasm32)$"
)


# PEP 508 project names: ASCII letters and digits, with . _ - inside.
_VALID_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


@dataclass(frozen=True)
class DistributionFile:
    """What an index needs to know about one accepted distribution file."""

    filename: str
    name: str
    normalized_name: str
    version: str
    packagetype: str
    requires_python: str
    sha256: str
    size: int
    metadata: bytes
    metadata_sha256: str
    summary: str = ""  # the core metadata's one line, kept for search


def normalize_name(name):
    """PEP 503 normalized project name."""
    return canonicalize_name(name)


def parse_filename(filename):
    """Return (packagetype, normalized name, Version) from a wheel or sdist filename."""
    check_bare_filename(filename)
    raw_name = filename.split("-", 1)[0]
    if not _VALID_NAME.match(raw_name):
        raise InvalidDistribution(
            f"Invalid filename {filename!r}: {raw_name!r} is not a valid project name."
        )
    try:
        if filename.endswith(".whl"):
            name, version, _build, _tags = parse_wheel_filename(filename)
            return WHEEL, name, version
        if filename.endswith(".tar.gz"):
            name, version = parse_sdist_filename(filename)
            return SDIST, name, version
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion) as exc:
        raise InvalidDistribution(
            f"Invalid filename {filename!r}: {exc}. Build the file with a standard tool "
            "(python -m build) and upload it under the name the tool gave it."
        ) from exc
    raise InvalidDistribution(
        f"Unsupported file type: {filename!r}. Only wheels (.whl, PEP 427) and source "
        "distributions (.tar.gz, PEP 625) can be uploaded."
    )


def check_bare_filename(filename):
    """Refuse names that are not a single plain path component: a name is published exactly as
    sent, never stripped to its last component."""
    if (
        not filename
        or filename != posixpath.basename(filename)
        or "\\" in filename
        or filename.startswith(".")
        or any(ord(c) < 32 or ord(c) == 127 for c in filename)
        or len(filename) > 255
    ):
        raise InvalidDistribution(
            f"Invalid filename {filename!r}: send the file name alone, without directories "
            "or control characters."
        )


def check_new_filename(filename):
    """Rules for files published now, beyond what any served filename must satisfy: an sdist
    named as PEP 625 says (old files imported from another index keep their legacy names), and
    wheels only for platforms an installer can match."""
    packagetype, name, version = parse_filename(filename)
    if packagetype == SDIST:
        expected = f"{name.replace('-', '_')}-{version}.tar.gz"
        if filename != expected:
            raise InvalidDistribution(
                f"Invalid sdist filename {filename!r}: PEP 625 requires the normalized form "
                f"{expected!r}. Build it with a current build backend (python -m build)."
            )
        return
    for tag in parse_wheel_filename(filename)[3]:
        if not _PLATFORM_TAG.match(tag.platform):
            raise InvalidDistribution(
                f"Binary wheel {filename!r} has an unsupported platform tag {tag.platform!r}: "
                "no installer matches it. Build for a standard platform (manylinux, musllinux, "
                "macosx, win, linux) or as a pure-Python wheel (any)."
            )


def inspect_distribution(path, filename, new_upload=True, sha256=None):
    """Validate the file at `path`, uploaded as `filename`, and describe it.

    The file must be a well-formed wheel or sdist whose own metadata names the same project and
    version as its filename: an index that trusted the filename alone could be made to serve
    one project's code under another project's name. `new_upload` adds the naming rules that
    apply to files published now (`check_new_filename`), not to imported history. `sha256`:
    the file's digest when the caller computed it as the bytes arrived, so the file is not read
    once more for it.
    """
    packagetype, file_name, file_version = parse_filename(filename)
    if new_upload:
        check_new_filename(filename)
    sha256, size = (sha256, os.path.getsize(path)) if sha256 else _digest(path)
    if size == 0:
        raise InvalidDistribution(f"{filename} is empty.")
    if packagetype == WHEEL:
        raw = _wheel_metadata(path, filename)
    else:
        raw = _sdist_metadata(path, filename)
    meta = _parse_metadata(raw, filename)
    meta_name = meta.name or ""
    if normalize_name(meta_name) != file_name:
        raise InvalidDistribution(
            f"{filename}: the filename names project {file_name!r} but its metadata names "
            f"{meta_name!r}. Rebuild the file so that both agree."
        )
    meta_version = _parse_version(meta.version, filename)
    if meta_version != file_version:
        raise InvalidDistribution(
            f"{filename}: the filename has version {file_version} but its metadata has "
            f"{meta.version}. Rebuild the file so that both agree."
        )
    requires_python = _requires_python(meta.requires_python, filename)
    return DistributionFile(
        filename=filename,
        name=meta_name,
        normalized_name=file_name,
        version=str(meta_version),
        packagetype=packagetype,
        requires_python=requires_python,
        sha256=sha256,
        size=size,
        metadata=raw,
        # PEP 658 metadata is served for wheels only: an sdist's PKG-INFO may leave
        # dependencies dynamic, and a resolver trusting it would resolve wrongly.
        metadata_sha256=hashlib.sha256(raw).hexdigest() if packagetype == WHEEL else "",
        summary=summary_of(meta),
    )


def summary_of(meta):
    """The Summary field (pkginfo's parse of core metadata) on one line, bounded: it is shown
    in search results, and a summary is one line by the spec."""
    return " ".join((meta.summary or "").split())[:MAX_SUMMARY]


def _digest(path):
    hasher = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size


def _wheel_metadata(path, filename):
    """Return the METADATA bytes of the wheel's single .dist-info directory."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ARCHIVE_MEMBERS:
                raise InvalidDistribution(f"{filename} has too many members.")
            for info in infos:
                _check_member_name(info.filename, filename)
            dist_infos = {
                n.split("/", 1)[0]
                for n in zf.namelist()
                if "/" in n and n.split("/", 1)[0].endswith(".dist-info")
            }
            if len(dist_infos) != 1:
                raise InvalidDistribution(
                    f"{filename} is not a valid wheel: it must contain exactly one .dist-info "
                    f"directory, found {len(dist_infos)}."
                )
            dist_info = dist_infos.pop()
            names = set(zf.namelist())
            for required in ("METADATA", "WHEEL"):
                if f"{dist_info}/{required}" not in names:
                    raise InvalidDistribution(
                        f"{filename} is not a valid wheel: {dist_info}/{required} is missing."
                    )
            return _read_limited(zf.open(f"{dist_info}/METADATA"), filename)
    except zipfile.BadZipFile as exc:
        raise InvalidDistribution(
            f"{filename} is not a valid wheel: the zip archive is corrupt or truncated ({exc})."
        ) from exc
    except (OSError, EOFError, zipfile.LargeZipFile, NotImplementedError) as exc:
        raise InvalidDistribution(
            f"{filename} is not a valid wheel: the zip archive cannot be read ({exc})."
        ) from exc


def _sdist_metadata(path, filename):
    """Return the PKG-INFO bytes at the top of the sdist's single root directory."""
    try:
        with gzip.open(path, "rb") as inflated:
            limited = _InflateLimit(inflated, filename)
            with tarfile.open(fileobj=limited, mode="r|") as tf:
                return _find_pkg_info(tf, filename)
    except tarfile.TarError as exc:
        raise InvalidDistribution(
            f"{filename} is not a valid sdist: the gzip tar archive is corrupt or truncated "
            f"({exc})."
        ) from exc
    except InvalidDistribution:
        raise
    except (OSError, EOFError, ValueError, zlib.error) as exc:
        raise InvalidDistribution(
            f"{filename} is not a valid sdist: the archive cannot be read ({exc})."
        ) from exc


def _find_pkg_info(tf, filename):
    root = None
    pkg_info = None
    for count, member in enumerate(tf, start=1):
        if count > MAX_ARCHIVE_MEMBERS:
            raise InvalidDistribution(f"{filename} has too many members.")
        _check_member_name(member.name, filename)
        if member.issym() or member.islnk():
            _check_link(member, filename)
        top = member.name.split("/", 1)[0]
        if root is None:
            root = top
        elif top != root:
            raise InvalidDistribution(
                f"{filename} is not a valid sdist: all files must be inside one top-level "
                f"directory, found {root!r} and {top!r}."
            )
        if pkg_info is None and member.name == f"{root}/PKG-INFO" and member.isfile():
            pkg_info = _read_limited(tf.extractfile(member), filename)
    if pkg_info is None:
        raise InvalidDistribution(
            f"{filename} is not a valid sdist: {root or '<root>'}/PKG-INFO is missing."
        )
    return pkg_info


def _check_member_name(name, filename):
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
        raise InvalidDistribution(
            f"{filename} contains a member that escapes its directory: {name!r}."
        )


def _check_link(member, filename):
    target = posixpath.normpath(posixpath.join(posixpath.dirname(member.name), member.linkname))
    if member.linkname.startswith("/") or target.startswith("..") or target == ".":
        raise InvalidDistribution(
            f"{filename} contains a link that points outside the archive: {member.name!r}."
        )


def _read_limited(stream, filename):
    data = stream.read(MAX_METADATA_BYTES + 1)
    if len(data) > MAX_METADATA_BYTES:
        raise InvalidDistribution(
            f"{filename}: the core metadata is larger than {MAX_METADATA_BYTES} bytes."
        )
    return data


class _InflateLimit(io.RawIOBase):
    """Stops a gzip stream that inflates past MAX_SDIST_SCAN_BYTES (a decompression bomb)."""

    def __init__(self, inflated, filename):
        self._inflated = inflated
        self._filename = filename
        self._total = 0

    def readable(self):
        return True

    def read(self, size=-1):
        data = self._inflated.read(size)
        self._total += len(data)
        if self._total > MAX_SDIST_SCAN_BYTES:
            raise InvalidDistribution(
                f"{self._filename} inflates to more than {MAX_SDIST_SCAN_BYTES} bytes; "
                "it is refused as a decompression bomb."
            )
        return data


def _parse_metadata(raw, filename):
    """Parse core metadata 1.0 to 2.5 tolerantly; the index needs only a few fields."""
    text = raw.decode("utf-8", errors="replace")
    dist = pkginfo.Distribution()
    try:
        dist.parse(text)
    except Exception as exc:  # pkginfo raises assorted errors on garbage  # noqa: BLE001
        raise InvalidDistribution(f"{filename}: the core metadata cannot be parsed.") from exc
    if not dist.metadata_version:
        raise InvalidDistribution(f"{filename}: the core metadata has no Metadata-Version field.")
    _check_metadata_version(dist.metadata_version, filename)
    if not dist.name or not _VALID_NAME.match(dist.name):
        raise InvalidDistribution(
            f"{filename}: the core metadata Name {dist.name!r} is not a valid project name."
        )
    return dist


def _check_metadata_version(value, filename):
    try:
        major = Version(value).major
    except InvalidVersion as exc:
        raise InvalidDistribution(
            f"{filename}: Metadata-Version {value!r} is not a version number."
        ) from exc
    if major > SUPPORTED_METADATA_MAJOR:
        raise InvalidDistribution(
            f"{filename}: Metadata-Version {value} is newer than this index supports "
            f"({SUPPORTED_METADATA_MAJOR}.x); rebuild the file with Metadata-Version "
            f"{SUPPORTED_METADATA_MAJOR}.x."
        )


def _requires_python(value, filename):
    """Requires-Python is served to every resolver; an invalid one would make pip skip or
    misjudge the file, so it must parse as a PEP 440 specifier set."""
    value = (value or "").strip()
    try:
        SpecifierSet(value)
    except InvalidSpecifier as exc:
        raise InvalidDistribution(
            f"{filename}: Requires-Python {value!r} is not a valid version specifier."
        ) from exc
    return value


def _parse_version(value, filename):
    try:
        return Version(value or "")
    except InvalidVersion as exc:
        raise InvalidDistribution(
            f"{filename}: the metadata version {value!r} is not a valid PEP 440 version."
        ) from exc
