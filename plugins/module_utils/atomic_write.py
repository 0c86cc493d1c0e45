# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Replacing a file atomically, for every module that writes one (profiles_siteconfig,
profiles_project). Plain Python with no Ansible imports: modules pass AnsibleModule.atomic_move
(SELinux context, ownership, cross-device fallback) as ``move_file``; tests use os.rename.

Writers of one directory take turns (``locked``: an exclusive flock on the directory itself, so
no lock file is left behind). A writer that must not lose another's change (read, change,
write: the siteconfig) holds the lock from its read to its write. Under the lock, the temporary
files of writers that were killed before their move are removed: every writer holds the lock
while its temporary file exists, so any one found then is stale."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import errno
import os
import re
import tempfile

try:
    import fcntl
except ImportError:  # not POSIX: the modules declare platform posix
    fcntl = None

# tempfile.mkstemp's names: the prefix, then 8 characters of its alphabet.
_TEMPORARY = r"^\.%s\.[a-z0-9_]{8}$"


@contextlib.contextmanager
def locked(path):
    """Hold an exclusive lock on the directory of ``path`` (waiting for other writers), and
    remove the temporary files killed writers left for ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    fd = os.open(folder, os.O_RDONLY)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        remove_stale_temporaries(path)
        yield
    finally:
        os.close(fd)   # releases the lock


def remove_stale_temporaries(path):
    """Remove ``.NAME.XXXXXXXX`` files beside ``path`` (call with the lock held); return them."""
    folder = os.path.dirname(os.path.abspath(path))
    pattern = re.compile(_TEMPORARY % re.escape(os.path.basename(path)))
    removed = []
    for name in os.listdir(folder):
        candidate = os.path.join(folder, name)
        if pattern.match(name) and os.path.isfile(candidate) and not os.path.islink(candidate):
            try:
                os.unlink(candidate)
                removed.append(candidate)
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    raise
    return removed


def write_atomic(path, data, mode=None, move_file=os.rename, lock=True):
    """Write ``data`` (text or bytes) to a temporary file beside ``path``, then move it over
    ``path``: readers see the old file or the new one, never a part.

    ``mode``: the new file's permissions, set before any byte is written (a secret is never
    readable by others, even for a moment); default the existing file's mode, else 0644. The
    process umask is narrowed during the move, because AnsibleModule.atomic_move gives a file
    that did not exist ``0666 & ~umask``. The temporary file is removed if anything fails.
    AnsibleModule.atomic_move also gives the new file the existing file's mode before moving
    it, so an existing file is set to ``mode`` first: a siteconfig pb wrote 0644 never has its
    new secrets readable by others, not even in a temporary file.
    ``lock``: take the directory's lock for the write (False: the caller holds it, see
    ``locked``).
    """
    if lock:
        with locked(path):
            return write_atomic(path, data, mode, move_file, lock=False)
    if mode is None:
        mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644
    elif os.path.isfile(path) and os.stat(path).st_mode & 0o7777 != mode:
        os.chmod(path, mode)
    if not isinstance(data, bytes):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix="." + os.path.basename(path) + ".")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        old_umask = os.umask(0o777 & ~mode)
        try:
            move_file(tmp, path)
        finally:
            os.umask(old_umask)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
