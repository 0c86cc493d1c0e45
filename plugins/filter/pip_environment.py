# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: pip_environment
short_description: pip's environment variables from the one profiles_pip_settings dictionary
version_added: 0.1.0
author:
  - rudderstack.profiles contributors (@rudderlabs)
description:
  - Turns C(profiles_pip_settings) (index, extra indexes, find-links, trusted hosts, CA bundle,
    client certificate, proxy, cache directory, network timeout, retries) into the C(PIP_*)
    environment variables pip reads, plus C(PIP_NO_INPUT=1) and C(PIP_DISABLE_PIP_VERSION_CHECK=1).
  - Every pip call of every role of this collection runs with this environment, so a fleet behind a
    proxy or a private index is configured in one place.
  - Empty values are left out (pip's defaults and any pip.conf on the target apply). Unknown keys and
    malformed values fail with a message naming the key.
options:
  _input:
    description: The settings dictionary (C(profiles_pip_settings)); null means none.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Install a package with the fleet's pip settings
  ansible.builtin.pip:
    name: PyYAML
  environment: "{{ profiles_pip_settings | default({}) | rudderstack.profiles.pip_environment }}"
  vars:
    profiles_pip_settings:
      index_url: https://pypi.internal.example.com/simple
      ca_bundle: /etc/ssl/certs/ca-certificates.crt
      proxy: http://proxy.example.com:3128
"""

RETURN = r"""
_value:
  description: Environment variables for pip (names to string values).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.rudderstack.profiles.plugins.module_utils.pip_settings import (
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
