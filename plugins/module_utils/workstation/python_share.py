# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Which workstation builds a Python that others of its kind then unpack (the pyenv role's
pyenv_python_share_dir). Plain Python, no Ansible imports; the filters in
plugins/filter/python_share.py call it."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def share_key(facts, version, configure_opts="", build_env=None):
    """The archive name a build is shared under: builds are interchangeable only between hosts
    of the same OS, release and architecture (glibc, OpenSSL and the other libraries CPython
    links to), for the same version and the same configure options and build environment."""
    recipe = json.dumps({"configure_opts": configure_opts or "", "build_env": build_env or {}}, sort_keys=True)
    parts = [
        "python", version,
        facts.get("system", ""), facts.get("distribution", ""),
        facts.get("distribution_major_version", ""), facts.get("architecture", ""),
        hashlib.sha256(recipe.encode("utf-8")).hexdigest()[:12],
    ]
    return "-".join(_UNSAFE.sub("_", str(part)) or "unknown" for part in parts)


def builders(hosts, shares):
    """The hosts that build: for each key, the first of ``hosts`` (play order) whose ``shares``
    entry needs a build (``{"key": ..., "build": bool}``); hosts without an entry are left out."""
    chosen = {}
    for host in hosts:
        share = shares.get(host)
        if isinstance(share, dict) and share.get("build") and share.get("key") not in chosen:
            chosen[share["key"]] = host
    return list(chosen.values())
