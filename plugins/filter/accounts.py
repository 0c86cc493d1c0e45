# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Whether a role must become the analyst (documentation in needs_become.yml). The rule is
plugins/module_utils/workstation/accounts.py's, the one profiles_user_info applies."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import accounts


def needs_become(user, current):
    return accounts.needs_become(user or "", current or "")


class FilterModule(object):
    def filters(self):
        return {"needs_become": needs_become}
