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
short_description: Get a pinned uv ready for installs into a virtualenv
version_added: 0.1.0
description:
  - Installs uv O(version) into O(path) with the virtualenv's pip (C(pip install --target), its
    wheel only) when the uv there is missing or another version, and checks that it runs.
  - Reads pip's configuration on the host (C(pip config list) of the virtualenv's pip, while uv
    is checked and installed) so the caller can give uv the same index, CA bundle and proxy
    (the M(rudderstack.profiles.profiles_cli) role passes it to the
    C(rudderstack.profiles.uv_environment) filter).
  - Does not fail when uv cannot be installed or does not run; it returns why in RV(problem), so
    the caller can install with pip instead.
  - pip's settings (index, CA bundle, proxy) come from the task's C(environment) (C(PIP_*)
    variables) and pip's own configuration files.
author:
  - rudderstack.profiles contributors (@rudderlabs)
attributes:
  check_mode:
    support: full
    details: Reports whether uv would be installed, installs nothing.
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
  timeout:
    description: Seconds pip may take to install uv.
    type: int
    default: 600
"""

EXAMPLES = r"""
- name: Get uv ready for the analyst's virtualenv
  rudderstack.profiles.profiles_uv:
    virtualenv: /home/ana/.pyenv/versions/profiles
    path: /home/ana/.local/share/rudderstack-profiles/uv/0.13.9
    version: "0.13.9"
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
pip_config:
  description: What C(pip config list) printed (C(section.option='value') lines); empty when it failed.
  returned: always
  type: str
  sample: "global.index-url='https://pypi.example.com/simple'"
lock_exists:
  description: Whether uv's lock file (C(<virtualenv>/.lock)) was there before; uv creates it on its first install.
  returned: always
  type: bool
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import uv

VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*$")


def main():
    module = AnsibleModule(
        argument_spec=dict(virtualenv=dict(type="path", required=True),
                           path=dict(type="path", required=True),
                           version=dict(type="str", required=True),
                           timeout=dict(type="int", default=600)),
        supports_check_mode=True,
    )
    params = module.params
    if not VERSION.match(params["version"]):
        module.fail_json(msg="version must be an exact uv release such as 0.13.9, got %r" % params["version"])
    result = uv.prepare(params["virtualenv"], params["path"], params["version"], check_mode=module.check_mode,
                        timeout=params["timeout"])
    before = "uv %s\n" % result["found"] if result["found"] else ""
    result["diff"] = {"before": before, "after": before if result["problem"] else "uv %s\n" % params["version"]}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
