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


def test_writers_of_one_directory_take_turns(tmp_path):
    """Two writers: the second waits for the first's lock (flock on the directory), so a
    read-change-write under the lock never loses the other's change."""
    import threading
    import time
    from ansible_collections.rudderstack.profiles.plugins.module_utils.atomic_write import locked

    target = tmp_path / "siteconfig.yaml"
    target.write_text("")
    order = []

    def writer(name, hold):
        with locked(str(target)):
            text = target.read_text()
            order.append(name + " in")
            time.sleep(hold)
            write_atomic(str(target), text + name + "\n", lock=False)
            order.append(name + " out")

    first = threading.Thread(target=writer, args=("a", 0.5))
    first.start()
    time.sleep(0.1)
    writer("b", 0)
    first.join()
    assert order == ["a in", "a out", "b in", "b out"]
    assert target.read_text() == "a\nb\n"
    assert sorted(os.listdir(str(tmp_path))) == ["siteconfig.yaml"]   # no lock file left


def test_temporaries_of_killed_writers_are_removed_under_the_lock(tmp_path):
    target = tmp_path / "siteconfig.yaml"
    target.write_text("kept\n")
    stale = tmp_path / ".siteconfig.yaml.k2j_x9q0"    # what mkstemp names, left by a killed writer
    stale.write_text("secret: half\n")
    unrelated = [".siteconfig.yaml.lock", ".siteconfig.yaml.toolongname", ".other.yaml.k2j_x9q0", "notes"]
    for name in unrelated:
        (tmp_path / name).write_text("x")
    write_atomic(str(target), "new\n", mode=0o600)
    assert not stale.exists()
    assert sorted(os.listdir(str(tmp_path))) == sorted(unrelated + ["siteconfig.yaml"])
    assert target.read_text() == "new\n"


def test_existing_file_gets_the_new_mode_before_the_move(tmp_path):
    """AnsibleModule.atomic_move copies the existing file's mode onto the new file before moving
    it: a 0644 siteconfig (as pb writes it) is made 0600 first, so the new secrets never are 0644."""
    target = tmp_path / "siteconfig.yaml"
    target.write_text("old\n")
    os.chmod(str(target), 0o644)
    seen = []

    def copying_move(src, dst):   # what atomic_move does with an existing destination
        os.chmod(src, mode(dst))
        seen.append(mode(src))
        os.rename(src, dst)

    write_atomic(str(target), "secret\n", mode=0o600, move_file=copying_move)
    assert seen == [0o600] and mode(target) == 0o600
