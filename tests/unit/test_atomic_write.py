"""The one atomic file writer (plugins/module_utils/atomic_write.py) the modules share."""
import os
import stat

import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils.atomic_write import write_atomic


def mode(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def test_new_file_gets_the_mode_before_any_byte_and_no_leftovers(tmp_path):
    seen = []

    def move(src, dst):  # what AnsibleModule.atomic_move sees: the temporary file, complete
        seen.append((mode(src), open(src, "rb").read(), os.umask(0o022)))
        os.umask(seen[-1][2])
        os.rename(src, dst)

    target = tmp_path / "siteconfig.yaml"
    write_atomic(str(target), "secret: x\n", mode=0o600, move_file=move)
    assert seen == [(0o600, b"secret: x\n", 0o177)]  # umask narrowed for atomic_move's 0666 & ~umask
    assert mode(target) == 0o600 and target.read_text() == "secret: x\n"
    assert sorted(os.listdir(str(tmp_path))) == ["siteconfig.yaml"]
    assert os.umask(0o022) == 0o022  # restored


def test_existing_file_keeps_its_mode_by_default(tmp_path):
    target = tmp_path / "pb_project.yaml"
    target.write_text("old\n")
    os.chmod(str(target), 0o640)
    write_atomic(str(target), b"new\n")
    assert target.read_bytes() == b"new\n" and mode(target) == 0o640
    fresh = tmp_path / "new.yaml"
    write_atomic(str(fresh), "x")
    assert mode(fresh) == 0o644


def test_failed_move_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "f"
    target.write_text("old")

    def broken(src, dst):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(str(target), "new", move_file=broken)
    assert target.read_text() == "old" and os.listdir(str(tmp_path)) == ["f"]
