#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0), a license
# compatible with the GNU General Public License version 3 that Ansible itself uses.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: profiles_requires_python
short_description: The Requires-Python of package releases, from the package index
version_added: 0.2.0
description:
  - Reads each release's Requires-Python from the package index's simple API (PEP 503
    C(data-requires-python), PEP 691 JSON C(requires-python)) before anything is installed, so the
    rudderstack.profiles.profiles_cli role can refuse a Python the release cannot run on first.
  - Never fails for an index it cannot reach; such packages are listed in RV(not_found) and the
    caller uses its own table (C(profiles_cli_python_requirements)).
  - Proxies come from the environment (C(HTTPS_PROXY)), as for pip and uv.
author:
  - rudderstack.profiles contributors (@rudderlabs)
attributes:
  check_mode:
    support: full
    details: Only reads.
  diff_mode:
    support: none
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  packages:
    description: Releases to look up, each C(name) and an exact C(version).
    type: list
    elements: dict
    required: true
  index_url:
    description: The simple API root (C(profiles_pip_settings.index_url)); empty means PyPI.
    type: str
    default: ""
  ca_bundle:
    description: CA bundle to verify the index with (C(profiles_pip_settings.ca_bundle)).
    type: path
  timeout:
    description: Seconds to wait for each page.
    type: int
    default: 10
"""

EXAMPLES = r"""
- name: Read pb's Requires-Python from the index
  rudderstack.profiles.profiles_requires_python:
    packages: [{name: profiles-rudderstack, version: 0.26.4}]
    index_url: https://pypi.internal.example.com/simple
"""

RETURN = r"""
requires_python:
  description: Package name to its Requires-Python (empty when the release declares none).
  returned: always
  type: dict
  sample: {profiles-rudderstack: ">=3.9,<3.14"}
not_found:
  description: Why a package was not found on the index (then the caller's table applies).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import index_metadata


def main():
    module = AnsibleModule(
        argument_spec=dict(packages=dict(type="list", elements="dict", required=True),
                           index_url=dict(type="str", default=""),
                           ca_bundle=dict(type="path"),
                           timeout=dict(type="int", default=10)),
        supports_check_mode=True,
    )
    params = module.params
    for package in params["packages"]:
        if not isinstance(package.get("name"), str) or not isinstance(package.get("version"), str):
            module.fail_json(msg="packages: each entry needs a name and an exact version (strings), got %r" % (package,))

    def fetch(url, accept):
        response = open_url(url, headers={"Accept": accept}, timeout=params["timeout"], ca_path=params["ca_bundle"],
                            http_agent="rudderstack.profiles")
        return response.headers.get("Content-Type", ""), response.read().decode("utf-8", "replace")

    found, unreachable = index_metadata.read_requires_python(
        params["packages"], fetch, params["index_url"] or index_metadata.DEFAULT_INDEX)
    # (not "unreachable": Ansible takes a true value of that key for an unreachable host)
    module.exit_json(changed=False, requires_python=found, not_found=unreachable)


if __name__ == "__main__":
    main()
