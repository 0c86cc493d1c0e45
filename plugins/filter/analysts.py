# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Per-analyst warehouse principals from the workstations' host variables (documentation in
analyst_principals.yml and connection_settings.yml). The logic is plugins/module_utils/workstation/analysts.py."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleFilterError

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import analysts


def analyst_principals(hosts, hostvars, shared=None, shared_output_schema=None):
    try:
        return analysts.analyst_principals(hosts or [], hostvars, shared=shared,
                                           shared_output_schema=shared_output_schema)
    except analysts.AnalystError as exc:
        raise AnsibleFilterError(str(exc))


def _read_on_controller(path):
    # Filters run on the controller: a key-pair principal's private key is read where the admin
    # play wrote it (its content goes into the workstation's siteconfig, as pb stores it).
    try:
        with open(os.path.expanduser(path), encoding="utf-8") as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        raise AnsibleFilterError("cannot read the private key %s on the controller: %s" % (path, exc.strerror or exc))


def connection_settings(settings, principal=None):
    try:
        return analysts.connection_settings(settings, principal, read_file=_read_on_controller)
    except analysts.AnalystError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {"analyst_principals": analyst_principals, "connection_settings": connection_settings}
