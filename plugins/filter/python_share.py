# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Shared Python builds for the pyenv role (documentation in python_share_key.yml and
python_share_builders.yml). The logic is plugins/module_utils/workstation/python_share.py."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import python_share


def python_share_key(facts, version, configure_opts="", build_env=None):
    if not isinstance(facts, dict) or not version:
        raise AnsibleFilterError("python_share_key: needs the host's facts (a dict) and a Python version")
    return python_share.share_key(facts, version, configure_opts, build_env)


def python_share_builders(hosts, hostvars, fact="_pyenv_share"):
    shares = {}
    for host in hosts or []:
        try:
            shares[host] = hostvars[host].get(fact)
        except KeyError:
            continue
    return python_share.builders(list(hosts or []), shares)


class FilterModule(object):
    def filters(self):
        return {"python_share_key": python_share_key, "python_share_builders": python_share_builders}
