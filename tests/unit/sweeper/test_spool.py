import os

import pytest
from django.conf import settings

if not settings.configured:
    settings.configure(DEFAULT_CHARSET="utf-8")

from django.test import override_settings  # noqa: E402

from pulp_teamindex.app.sweeper.spool import sweep_spool  # noqa: E402


@pytest.fixture
def spool_dir(tmp_path):
    with override_settings(FILE_UPLOAD_TEMP_DIR=str(tmp_path)):
        yield tmp_path


def _file(directory, name, age):
    path = directory / name
    path.write_bytes(b"partial upload")
    os.utime(path, (1_000_000 - age, 1_000_000 - age))
    return path


def test_only_old_spool_files_go(spool_dir):
    old = _file(spool_dir, "tmpold.upload.whl", age=120)
    young = _file(spool_dir, "tmpyoung.upload.whl", age=30)
    foreign = _file(spool_dir, "tmpforeign", age=120)
    assert sweep_spool(60, now=1_000_000) == 1
    assert not old.exists()
    assert young.exists() and foreign.exists()


def test_a_missing_spool_directory_is_nothing_to_sweep(tmp_path):
    with override_settings(FILE_UPLOAD_TEMP_DIR=str(tmp_path / "absent")):
        assert sweep_spool(0) == 0
