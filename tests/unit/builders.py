"""Builders of small distribution files, well-formed or deliberately broken."""

import io
import tarfile
import zipfile

META = "Metadata-Version: {mv}\nName: {name}\nVersion: {version}\nRequires-Python: >=3.9\n"


def make_wheel(
    path, name="demo-pkg", version="1.0", dist=None, metadata=None, extra=None, wheel_file=True
):
    dist = dist or f"{name.replace('-', '_')}-{version}.dist-info"
    meta = metadata if metadata is not None else META.format(mv="2.1", name=name, version=version)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{dist}/METADATA", meta)
        if wheel_file:
            zf.writestr(f"{dist}/WHEEL", "Wheel-Version: 1.0\n")
        for member, data in (extra or {}).items():
            zf.writestr(member, data)
    return path


def make_sdist(path, root="demo_pkg-1.0", pkg_info=None, members=None):
    pkg_info = (
        pkg_info if pkg_info is not None else META.format(mv="2.2", name="demo-pkg", version="1.0")
    )
    members = members if members is not None else {f"{root}/PKG-INFO": pkg_info.encode()}
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path
