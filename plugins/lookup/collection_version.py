# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0), a license
# compatible with the GNU General Public License version 3 that Ansible itself uses.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
name: collection_version
version_added: 0.1.0
author: rudderstack.profiles contributors (@rudderlabs)
short_description: The version of rudderstack.profiles that is running
description:
  - Returns the version of this collection as installed (C(MANIFEST.json) of an installed
    collection) or checked out (C(galaxy.yml)); an empty string when neither can be read.
  - The onboard record and the fleet report say which version wrote them.
options: {}
"""

EXAMPLES = r"""
- name: Say which collection version runs
  ansible.builtin.debug:
    msg: "rudderstack.profiles {{ lookup('rudderstack.profiles.collection_version') }}"
"""

RETURN = r"""
_raw:
  description: One string, the version (for example C(0.1.0)).
  type: list
  elements: str
"""

import json
import os

from ansible.plugins.lookup import LookupBase

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def collection_version(root=ROOT):
    try:
        with open(os.path.join(root, "MANIFEST.json")) as f:
            return str(json.load(f)["collection_info"]["version"])
    except (IOError, OSError, ValueError, KeyError, TypeError):
        pass
    try:
        import yaml
        with open(os.path.join(root, "galaxy.yml")) as f:
            return str(yaml.safe_load(f)["version"])
    except (ImportError, IOError, OSError, KeyError, TypeError, ValueError):
        return ""


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        return [collection_version()]
