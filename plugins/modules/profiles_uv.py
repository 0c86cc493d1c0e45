#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0), a license
# compatible with the GNU General Public License version 3 that Ansible itself uses.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: profiles_uv
short_description: Install packages into a virtualenv with a pinned uv, made ready first
version_added: 0.1.0
description:
  - Installs uv O(version) into O(path) with the virtualenv's pip (C(pip install --target), its
    wheel only) when the uv there is missing or another version, and checks that it runs.
  - Then installs O(packages) into the virtualenv with that uv (C(uv pip install)) and checks the
    virtualenv's requirements (C(uv pip check)); fails, naming uv's error, when either fails.
  - uv follows pip's configuration on the host (C(pip config list) of the virtualenv's pip, read
    while uv is checked and installed), so it gets the same index, extra indexes, find-links, CA bundle,
    proxy, cache (its C(uv) subdirectory) and offline mode.
  - Does not fail when uv cannot be installed or does not run; it returns why in RV(problem) and
    RV(installer=pip), installing nothing, so the caller can install with pip instead.
  - pip's settings (index, CA bundle, proxy) come from the task's C(environment) (C(PIP_*)
    variables) and pip's own configuration files.
author:
  - rudderstack.profiles contributors (@rudderlabs)
attributes:
  check_mode:
    support: full
    details: >-
      Installs nothing. Where uv is ready and has installed into the virtualenv before, returns
      its plan (C(uv pip install --dry-run)); otherwise RV(installer=pip), so that pip plans.
  diff_mode:
    support: full
    details: The uv version before and after.
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  virtualenv:
    description: The virtualenv whose pip installs uv and whose packages uv will install.
    type: path
    required: true
  path:
    description: The directory uv is installed into (its binary is C(<path>/bin/uv)); one per version.
    type: path
    required: true
  version:
    description: The uv release, an exact version such as C(0.13.9).
    type: str
    required: true
  packages:
    description: Requirements to install into the virtualenv (C(name==version)); none, only get uv ready.
    type: list
    elements: str
    default: []
  install_args:
    description: More arguments for C(uv pip install), such as C(--compile-bytecode).
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds pip may take to install uv, and uv to install the packages.
    type: int
    default: 600
"""

EXAMPLES = r"""
- name: Install pb into the analyst's virtualenv with uv
  rudderstack.profiles.profiles_uv:
    virtualenv: /home/ana/.pyenv/versions/profiles
    path: /home/ana/.local/share/rudderstack-profiles/uv/0.13.9
    version: "0.13.9"
    packages: [profiles-rudderstack==0.26.4, profiles-pycorelib==0.26.0]
  environment:
    PIP_INDEX_URL: https://pypi.example.com/simple
  become: true
  become_user: ana
  register: uv
"""

RETURN = r"""
uv:
  description: The uv binary.
  returned: always
  type: str
  sample: /home/ana/.local/share/rudderstack-profiles/uv/0.13.9/bin/uv
found:
  description: The version of the uv that was there before; empty when there was none or it did not run.
  returned: always
  type: str
  sample: 0.13.9
problem:
  description: Why uv cannot be used (pip's error, or the installed uv does not run); empty when it can.
  returned: always
  type: str
  sample: "ERROR: No matching distribution found for uv==0.0.1"
lock_exists:
  description: Whether uv's lock file (C(<virtualenv>/.lock)) was there before; uv creates it on its first install.
  returned: always
  type: bool
installer:
  description: C(uv), or C(pip) when uv installed nothing and pip must install (or plan, in check mode) instead.
  returned: always
  type: str
  sample: uv
cmd:
  description: The C(uv pip install) command; empty when uv installed nothing.
  returned: always
  type: list
  elements: str
stdout:
  description: What C(uv pip install) printed on standard output.
  returned: always
  type: str
stderr:
  description: What C(uv pip install) printed on standard error, its plan in check mode (C(Would install ...)).
  returned: always
  type: str
  sample: " + profiles-rudderstack==0.26.4"
rc:
  description: The exit code of C(uv pip install); 0 when it did not run.
  returned: always
  type: int
check:
  description: What C(uv pip check) said after the install; empty when it did not run (check mode).
  returned: always
  type: str
  sample: "Checked 79 packages in 9ms\nAll installed packages are compatible"
error:
  description: On failure, uv's own words (its C(error:), C(cause:) and C(hint:) lines) or what C(uv pip check) found.
  returned: always
  type: str
  sample: "error: No solution found when resolving dependencies cause: Because there is no version of ..."
durations:
  description: Seconds spent getting uv ready (C(setup)) and installing the packages (C(install)).
  returned: always
  type: dict
  sample: {"setup": 1.1, "install": 3.5}
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import uv
from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation.pip_settings import PipSettingsError

VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*$")


def main():
    module = AnsibleModule(
        argument_spec=dict(virtualenv=dict(type="path", required=True),
                           path=dict(type="path", required=True),
                           version=dict(type="str", required=True),
                           packages=dict(type="list", elements="str", default=[]),
                           install_args=dict(type="list", elements="str", default=[]),
                           timeout=dict(type="int", default=600)),
        supports_check_mode=True,
    )
    params = module.params
    if not VERSION.match(params["version"]):
        module.fail_json(msg="version must be an exact uv release such as 0.13.9, got %r" % params["version"])
    try:
        result = uv.install(params["virtualenv"], params["path"], params["version"], params["packages"],
                            params["install_args"], check_mode=module.check_mode, timeout=params["timeout"])
    except PipSettingsError as exc:
        module.fail_json(msg=str(exc))
    before = "uv %s\n" % result["found"] if result["found"] else ""
    result["diff"] = {"before": before, "after": before if result["problem"] else "uv %s\n" % params["version"]}
    # pip's configuration may hold an index's or a proxy's password.
    del result["pip_config"]
    if result.pop("failed"):
        module.fail_json(**result)
    del result["msg"]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
