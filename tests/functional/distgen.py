"""Small, valid wheels and sdists made on the spot, so tests and benchmarks need nothing from
outside the repository (and no network).

`corpus()` builds a dependency chain: project p depends on project p-1, so resolvers have real
work to do. Run as a script to write a corpus to a directory:
    python tests/functional/distgen.py OUTDIR --projects 30 --versions 2 [--prefix synth] [--sdist]
"""

import argparse
import base64
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path


def _record_hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def metadata(name, version, requires=(), metadata_version="2.1", requires_python=">=3.8"):
    lines = [
        f"Metadata-Version: {metadata_version}",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: generated package {name}",
        f"Requires-Python: {requires_python}",
        *(f"Requires-Dist: {r}" for r in requires),
    ]
    return ("\n".join(lines) + "\n").encode()


def wheel(
    directory,
    name,
    version,
    requires=(),
    body=b"",
    requires_python=">=3.8",
):
    """Write `{name}-{version}-py3-none-any.whl` with a RECORD that matches; return its path."""
    dist = name.replace("-", "_").replace(".", "_")
    info = f"{dist}-{version}.dist-info"
    members = {
        f"{dist}/__init__.py": body + f"VERSION = {version!r}\n".encode(),
        f"{info}/METADATA": metadata(name, version, requires, requires_python=requires_python),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: distgen\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = "".join(f"{p},{_record_hash(d)},{len(d)}\n" for p, d in members.items())
    members[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    path = Path(directory) / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return path


def sdist(directory, name, version, requires=()):
    """Write `{name}-{version}.tar.gz` (PEP 625 name) with its PKG-INFO; return its path."""
    base = f"{name.replace('-', '_').replace('.', '_')}-{version}"
    members = {
        f"{base}/PKG-INFO": metadata(name, version, requires, "2.2"),
        f"{base}/{base.split('-')[0]}/__init__.py": b"",
    }
    path = Path(directory) / f"{base}.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for member, data in members.items():
            entry = tarfile.TarInfo(member)
            entry.size = len(data)
            tf.addfile(entry, io.BytesIO(data))
    return path


def corpus(directory, projects, versions, prefix="synth", sdists=False):
    """Projects `{prefix}-p00000`.. with versions 1.0.0, 1.1.0, ...; each requires the one
    before it. Returns the written paths, sorted."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    written = []
    for p in range(projects):
        name = f"{prefix}-p{p:05d}"
        requires = [f"{prefix}-p{p - 1:05d}>=1.0"] if p else []
        for v in range(versions):
            written.append(wheel(directory, name, f"1.{v}.0", requires))
            if sdists:
                written.append(sdist(directory, name, f"1.{v}.0", requires))
    return sorted(written)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir")
    parser.add_argument("--projects", type=int, default=10)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--prefix", default="synth")
    parser.add_argument("--sdist", action="store_true")
    args = parser.parse_args()
    corpus(args.outdir, args.projects, args.versions, args.prefix, args.sdist)


if __name__ == "__main__":
    main()
