import gzip
import hashlib
import io
import tarfile

import pytest
from builders import META, make_sdist, make_wheel

from pulp_teamindex.app import distfiles
from pulp_teamindex.app.distfiles import inspect_distribution, parse_filename
from pulp_teamindex.app.exceptions import InvalidDistribution

WHL = "demo_pkg-1.0-py3-none-any.whl"
SDIST = "demo_pkg-1.0.tar.gz"


@pytest.fixture
def wheel_path(tmp_path):
    return make_wheel(tmp_path / WHL)


def test_wheel_is_described_from_its_own_metadata(wheel_path):
    info = inspect_distribution(wheel_path, WHL)
    assert (info.name, info.normalized_name, info.version) == ("demo-pkg", "demo-pkg", "1.0")
    assert info.packagetype == "bdist_wheel"
    assert info.requires_python == ">=3.9"
    assert info.size == wheel_path.stat().st_size
    assert info.metadata.startswith(b"Metadata-Version: 2.1")
    assert len(info.metadata_sha256) == 64
    assert info.sha256 == hashlib.sha256(wheel_path.read_bytes()).hexdigest()


def test_a_digest_computed_on_arrival_is_taken_as_given(wheel_path):
    """The upload path hashes the bytes as they arrive and passes the digest in."""
    info = inspect_distribution(wheel_path, WHL, sha256="ab" * 32)
    assert (info.sha256, info.size) == ("ab" * 32, wheel_path.stat().st_size)


def test_sdist_is_described_but_serves_no_pep658_metadata(tmp_path):
    info = inspect_distribution(make_sdist(tmp_path / SDIST), SDIST)
    assert info.packagetype == "sdist"
    assert info.version == "1.0"
    assert info.metadata_sha256 == ""


@pytest.mark.parametrize("mv", ["1.0", "1.1", "1.2", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5"])
def test_all_metadata_versions_parse(tmp_path, mv):
    path = make_wheel(tmp_path / WHL, metadata=META.format(mv=mv, name="demo-pkg", version="1.0"))
    assert inspect_distribution(path, WHL).name == "demo-pkg"


@pytest.mark.parametrize(
    ("filename", "message"),
    [
        ("demo_pkg-1.0-py3.11.egg", "Unsupported file type"),
        ("demo_pkg-1.0.zip", "Unsupported file type"),
        ("demo_pkg-1.0.tar.bz2", "Unsupported file type"),
        ("demo_pkg-1.0.exe", "Unsupported file type"),
        ("../demo_pkg-1.0-py3-none-any.whl", "without directories"),
        ("dir/demo_pkg-1.0-py3-none-any.whl", "without directories"),
        ("demo_pkg-1.0\n-py3-none-any.whl", "without directories"),
        ("demo_pkg-not.a.version-py3-none-any.whl", "Invalid filename"),
        ("demo_pkg-1.0-py3-none.whl", "Invalid filename"),
        ("demo pkg-1.0.tar.gz", "Invalid filename"),
    ],
)
def test_bad_filenames_are_refused(filename, message):
    with pytest.raises(InvalidDistribution, match=message):
        parse_filename(filename)


def test_metadata_must_agree_with_filename(tmp_path):
    path = make_wheel(tmp_path / WHL, name="other", dist="demo_pkg-1.0.dist-info")
    with pytest.raises(InvalidDistribution, match="names project 'demo-pkg'"):
        inspect_distribution(path, WHL)
    path = make_wheel(tmp_path / WHL, version="2.0", dist="demo_pkg-1.0.dist-info")
    with pytest.raises(InvalidDistribution, match="version 1.0 but its metadata has 2.0"):
        inspect_distribution(path, WHL)


def test_equivalent_versions_agree(tmp_path):
    path = make_wheel(tmp_path / WHL, version="1.0.0", dist="demo_pkg-1.0.dist-info")
    assert inspect_distribution(path, WHL).version == "1.0.0"


@pytest.mark.parametrize(
    ("builder", "message"),
    [
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_bytes(b"PK\x03\x04garbage"), "corrupt or truncated"),
        (lambda p: make_wheel(p, wheel_file=False), "WHEEL is missing"),
        (lambda p: make_wheel(p, extra={"x-1.dist-info/METADATA": "y"}), "exactly one"),
        (lambda p: make_wheel(p, extra={"../evil.py": "x"}), "escapes its directory"),
        (lambda p: make_wheel(p, extra={"/abs.py": "x"}), "escapes its directory"),
        (lambda p: make_wheel(p, metadata="Name: demo-pkg\nVersion: 1.0\n"), "Metadata-Version"),
        (
            lambda p: make_wheel(
                p,
                metadata=META.format(mv="2.1", name="demo-pkg", version="1.0")
                + "X: "
                + "a" * (2 << 20),
            ),
            "larger than",
        ),
    ],
)
def test_hostile_wheels_are_refused(tmp_path, builder, message):
    path = tmp_path / WHL
    builder(path)
    with pytest.raises(InvalidDistribution, match=message):
        inspect_distribution(path, WHL)


def test_truncated_wheel_is_refused(tmp_path, wheel_path):
    data = wheel_path.read_bytes()
    cut = tmp_path / "cut" / WHL
    cut.parent.mkdir()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InvalidDistribution, match="not a valid wheel"):
        inspect_distribution(cut, WHL)


def test_non_utf8_metadata_is_read(tmp_path):
    meta = META.format(mv="2.1", name="demo-pkg", version="1.0").encode() + b"Summary: \xff\xfe\n"
    path = make_wheel(tmp_path / WHL, metadata=meta)
    assert inspect_distribution(path, WHL).metadata.endswith(b"\xff\xfe\n")


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"demo_pkg-1.0/setup.py": b""}, "PKG-INFO is missing"),
        ({"demo_pkg-1.0/PKG-INFO": b"x", "other/file": b""}, "one top-level directory"),
        ({"../evil": b"", "demo_pkg-1.0/PKG-INFO": b""}, "escapes"),
    ],
)
def test_hostile_sdists_are_refused(tmp_path, members, message):
    path = make_sdist(tmp_path / SDIST, members=members)
    with pytest.raises(InvalidDistribution, match=message):
        inspect_distribution(path, SDIST)


def test_sdist_symlink_out_of_tree_is_refused(tmp_path):
    path = tmp_path / SDIST
    with tarfile.open(path, "w:gz") as tf:
        link = tarfile.TarInfo("demo_pkg-1.0/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "../../etc/passwd"
        tf.addfile(link)
    with pytest.raises(InvalidDistribution, match="link that points outside"):
        inspect_distribution(path, SDIST)


def test_sdist_decompression_bomb_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(distfiles, "MAX_SDIST_SCAN_BYTES", 1 << 20)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tf:
        big = tarfile.TarInfo("demo_pkg-1.0/zeros")
        big.size = 4 << 20
        tf.addfile(big, io.BytesIO(bytes(big.size)))
    path = tmp_path / SDIST
    path.write_bytes(gzip.compress(raw.getvalue()))
    assert path.stat().st_size < 64 << 10
    with pytest.raises(InvalidDistribution, match="decompression bomb"):
        inspect_distribution(path, SDIST)


def test_truncated_sdist_is_refused(tmp_path):
    good = make_sdist(tmp_path / "good.tar.gz").read_bytes()
    path = tmp_path / SDIST
    path.write_bytes(good[:20])
    with pytest.raises(InvalidDistribution, match="not a valid sdist"):
        inspect_distribution(path, SDIST)


@pytest.mark.parametrize("value", ['>=3.8"><script>alert(1)</script>', "3.8+", ">=3.8,<"])
def test_invalid_requires_python_is_refused(tmp_path, value):
    meta = f"Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\nRequires-Python: {value}\n"
    path = make_wheel(tmp_path / WHL, metadata=meta)
    with pytest.raises(InvalidDistribution, match="Requires-Python"):
        inspect_distribution(path, WHL)


@pytest.mark.parametrize("name", ["<b>x</b>", "demo pkg", "-demo", "démo"])
def test_invalid_metadata_names_are_refused(tmp_path, name):
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"
    path = make_wheel(tmp_path / WHL, metadata=meta)
    with pytest.raises(InvalidDistribution, match="not a valid project name"):
        inspect_distribution(path, WHL)


@pytest.mark.parametrize("mv", ["3.0", "10.1"])
def test_a_newer_metadata_major_version_is_refused(tmp_path, mv):
    path = make_wheel(tmp_path / WHL, metadata=META.format(mv=mv, name="demo-pkg", version="1.0"))
    with pytest.raises(InvalidDistribution, match=f"Metadata-Version {mv} is newer"):
        inspect_distribution(path, WHL)


def test_a_newer_minor_metadata_version_is_read(tmp_path):
    path = make_wheel(
        tmp_path / WHL, metadata=META.format(mv="2.9", name="demo-pkg", version="1.0")
    )
    assert inspect_distribution(path, WHL).version == "1.0"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [("Demo_Pkg-1.0.tar.gz", "demo_pkg-1.0.tar.gz"), ("demo-pkg-1.0.tar.gz", None)],
)
def test_new_sdists_need_pep625_names_but_imported_history_keeps_its_names(
    tmp_path, filename, expected
):
    path = make_sdist(tmp_path / "x.tar.gz")
    with pytest.raises(InvalidDistribution, match="PEP 625 requires the normalized form"):
        inspect_distribution(path, filename)
    if expected:
        assert inspect_distribution(path, filename, new_upload=False).filename == filename


@pytest.mark.parametrize(
    "platform",
    [
        "any",
        "linux_x86_64",
        "manylinux_2_17_x86_64.manylinux2014_x86_64",
        "musllinux_1_2_aarch64",
        "macosx_11_0_arm64",
        "win_amd64",
    ],
)
def test_known_platform_tags_are_accepted(platform):
    distfiles.check_new_filename(f"demo_pkg-1.0-cp311-cp311-{platform}.whl")


@pytest.mark.parametrize("platform", ["solaris_sparc", "linux_potato", "manylinux_x86_64"])
def test_unknown_platform_tags_are_refused(platform):
    with pytest.raises(InvalidDistribution, match="unsupported platform tag"):
        distfiles.check_new_filename(f"demo_pkg-1.0-cp311-cp311-{platform}.whl")


@pytest.mark.parametrize("name", ["/abs/x.whl", "..\\x.whl", "..", "."])
def test_names_with_directories_are_refused(name):
    with pytest.raises(InvalidDistribution, match="without directories"):
        distfiles.check_bare_filename(name)
