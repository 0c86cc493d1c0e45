# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Replacing a file atomically, for every module that writes one (profiles_siteconfig,
profiles_project). Plain Python with no Ansible imports: modules pass AnsibleModule.atomic_move
(SELinux context, ownership, cross-device fallback) as ``move_file``; tests use os.rename."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile


def write_atomic(path, data, mode=None, move_file=os.rename):
    """Write ``data`` (text or bytes) to a temporary file beside ``path``, then move it over
    ``path``: readers see the old file or the new one, never a part.

    ``mode``: the new file's permissions, set before any byte is written (a secret is never
    readable by others, even for a moment); default the existing file's mode, else 0644. The
    process umask is narrowed during the move, because AnsibleModule.atomic_move gives a file
    that did not exist ``0666 & ~umask``. The temporary file is removed if anything fails.
    """
    if mode is None:
        mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644
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
