# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Moving a pyenv-built CPython to another prefix (another analyst's ~/.pyenv/versions/X), for
the pyenv role's shared builds: one workstation compiles, the others unpack its archive.

A CPython built without --enable-shared finds its standard library relative to its executable
(getpath's landmark search), so the interpreter itself runs from any directory. What still names
the build's prefix is text: the shebangs of bin/ scripts (pip, pydoc, idle, 2to3), sysconfig's
build-time variables, python-config and pkg-config files. ``plan`` lists those files, ``apply``
rewrites them. A shared-library build is refused: its executable loads libpython through an
absolute rpath into the old prefix. Plain Python, no Ansible imports."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import glob
import os

from ansible_collections.rudderstack.profiles.plugins.module_utils.atomic_write import write_atomic


class RelocateError(Exception):
    pass


def build_time_vars(prefix):
    """sysconfig's build-time variables of the Python installed at ``prefix`` (read from its
    lib/pythonX.Y/_sysconfigdata_*.py without running it)."""
    found = sorted(glob.glob(os.path.join(prefix, "lib", "python*", "_sysconfigdata_*.py")))
    if not found:
        raise RelocateError("%s holds no lib/python*/_sysconfigdata_*.py: not a CPython installation" % prefix)
    with open(found[0], "rb") as handle:
        tree = ast.parse(handle.read(), found[0])
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "build_time_vars" for t in node.targets):
            return ast.literal_eval(node.value)
    raise RelocateError("%s does not assign build_time_vars" % found[0])


def candidates(prefix):
    """Files that may name the build prefix: bin/ scripts, sysconfig data, python-config and
    pkg-config files (not the standard library's thousands of modules)."""
    patterns = ["bin/*", "lib/pkgconfig/*", "lib/python*/_sysconfigdata_*.py", "lib/python*/config-*/*"]
    paths = set()
    for pattern in patterns:
        for path in glob.glob(os.path.join(prefix, pattern)):
            if os.path.isfile(path) and not os.path.islink(path):
                paths.add(path)
    return sorted(paths)


def plan(prefix):
    """What moving the Python unpacked at ``prefix`` needs: ``(old_prefix, files)``, the prefix
    it was built for and the text files (relative to ``prefix``) that name it. Nothing to do when
    the two prefixes are the same. Raises RelocateError for what cannot be moved."""
    prefix = os.path.abspath(prefix)
    variables = build_time_vars(prefix)
    old = variables.get("prefix", "")
    if not old:
        raise RelocateError("the build-time variables of %s name no prefix" % prefix)
    if str(variables.get("Py_ENABLE_SHARED", 0)) == "1":
        raise RelocateError(
            "the Python at %s was built with --enable-shared: its executable loads libpython from "
            "%s/lib by an absolute rpath, so it cannot be moved; build it without --enable-shared "
            "(pyenv_python_configure_opts) to share it" % (prefix, old))
    if old == prefix:
        return old, []
    needle = old.encode("utf-8")
    files = []
    for path in candidates(prefix):
        with open(path, "rb") as handle:
            data = handle.read()
        # Binaries (the interpreter itself keeps the old prefix only as a fallback it never
        # needs) are left alone: rewriting a C string with one of another length corrupts them.
        if needle in data and b"\0" not in data:
            files.append(os.path.relpath(path, prefix))
    return old, files


def apply(prefix, old, files, move_file=os.rename):
    """Replace ``old`` by ``prefix`` in each of ``files`` (relative to ``prefix``), atomically
    and keeping each file's mode."""
    prefix = os.path.abspath(prefix)
    for name in files:
        path = os.path.join(prefix, name)
        with open(path, "rb") as handle:
            data = handle.read()
        write_atomic(path, data.replace(old.encode("utf-8"), prefix.encode("utf-8")),
                     mode=os.stat(path).st_mode & 0o7777, move_file=move_file, lock=False)
