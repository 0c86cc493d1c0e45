# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""What a virtualenv holds, for the profiles_cli role: its Python's version and the distributions
installed in it (name -> version), in one run of that Python, so pip runs only when a package is
missing or off its pin (the pip module costs seconds even when it changes nothing).

Plain Python (no Ansible imports) so unit tests call it directly.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation.pyenv import _run

# Run by the virtualenv's own Python (any version the packages may need, so no f-strings).
# Distributions without a name (broken metadata) are skipped; no importlib.metadata (Python < 3.8)
# gives packages None, which makes the role ask pip.
PROBE = "\n".join([
    "import json, os, platform, sys",
    "try:",
    "    from importlib import metadata",
    "    packages = dict((d.metadata['Name'], d.version) for d in metadata.distributions() if d.metadata['Name'])",
    "except Exception:",
    "    packages = None",
    "base = os.path.join(sys.base_prefix, 'bin', 'python%d.%d' % sys.version_info[:2])",
    "print(json.dumps({'python': platform.python_version(), 'packages': packages, 'base_python': base}))",
])


def parse_probe(rc, out, err):
    """``(python_version, packages, error)`` from a run of PROBE: ('', None, why) when it failed."""
    data = _probe_data(rc, out)
    if rc != 0:
        return "", None, (err or out).strip()[-1000:] or "exit code %s" % rc
    if data is None or "python" not in data:
        return "", None, "unexpected output: %s" % (out.strip()[-300:] or err.strip()[-300:])
    packages = data.get("packages")
    return data["python"], packages if isinstance(packages, dict) else None, ""


def _probe_data(rc, out):
    if rc != 0:
        return None
    try:
        data = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    return data if isinstance(data, dict) else None


def read_virtualenv(path, run=_run):
    """The virtualenv at ``path``: ``python`` (its interpreter), ``exists``, ``python_version``
    ('' when it does not run), ``packages`` (name -> version, None when unknown), ``base_python``
    (the interpreter it was made from, '' when unknown) and ``error``."""
    python = os.path.join(path, "bin", "python")
    result = {"path": path, "python": python, "exists": os.path.isfile(python),
              "python_version": "", "packages": None, "base_python": "", "error": ""}
    if not result["exists"]:
        result["error"] = "%s does not exist" % python
        return result
    rc, out, err = run([python, "-c", PROBE])
    result["python_version"], result["packages"], result["error"] = parse_probe(rc, out, err)
    # The interpreter the virtualenv was made from: what rebuilds it (profiles_cli, on a pb minor change).
    result["base_python"] = (_probe_data(rc, out) or {}).get("base_python") or ""
    return result
