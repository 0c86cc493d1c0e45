# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""pip and uv settings for every install of the roles (documentation in pip_environment.yml and
uv_environment.yml). The logic
is plugins/module_utils/workstation/pip_settings.py."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation.pip_settings import (
    PipSettingsError,
    pip_environment,
    settings_from_pip_config,
    uv_environment,
)


def pip_environment_filter(settings):
    try:
        return pip_environment(settings)
    except PipSettingsError as exc:
        raise AnsibleFilterError(str(exc))


def uv_environment_filter(settings, pip_config=""):
    try:
        return uv_environment(settings, settings_from_pip_config(pip_config))
    except PipSettingsError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    """pip settings filters."""

    def filters(self):
        return {"pip_environment": pip_environment_filter, "uv_environment": uv_environment_filter}
