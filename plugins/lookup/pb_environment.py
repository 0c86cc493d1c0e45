# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0), a license
# compatible with the GNU General Public License version 3 that Ansible itself uses.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
name: pb_environment
version_added: 0.1.0
author: rudderstack.profiles contributors (@rudderlabs)
short_description: The environment every pb call needs
description:
  - Returns the environment variables the collection sets for every C(pb) it runs (the modules, the
    profiles_cli role's check, wrapper and shell block).
  - C(SF_DISABLE_MINICORE=true) and C(SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true); why pb needs them
    is in the collection's C(docs/pb-quirks.md) ("Starting pb at all").
  - The one definition is C(PB_ENV) in the collection's C(module_utils/pb/cli.py).
options: {}
"""

EXAMPLES = r"""
- name: Run pb with the environment it needs
  ansible.builtin.command:
    argv: [/home/analyst/.pyenv/versions/profiles/bin/pb, version]
  environment: "{{ lookup('rudderstack.profiles.pb_environment') }}"
  changed_when: false
"""

RETURN = r"""
_raw:
  description: One dict, variable name to value.
  type: list
  elements: dict
"""

from ansible.plugins.lookup import LookupBase

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import cli as pb_cli


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        return [dict(pb_cli.PB_ENV)]
