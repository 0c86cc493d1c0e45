# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""pip settings for every pip call of the roles (documentation in pip_environment.yml). The logic
is plugins/module_utils/workstation/pip_settings.py."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation.pip_settings import (
    PipSettingsError,
    pip_environment,
)


def pip_environment_filter(settings):
    try:
        return pip_environment(settings)
    except PipSettingsError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    """pip settings filters."""

    def filters(self):
        return {"pip_environment": pip_environment_filter}
