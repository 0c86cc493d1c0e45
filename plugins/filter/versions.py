# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Version pins, Requires-Python and ``pb version`` output for the roles (documentation in the
.yml file of each filter). The logic is plugins/module_utils/workstation/versions.py and pb_cli.py."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import cli as pb_cli
from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import versions


def _need_packaging():
    if not versions.HAS_PACKAGING:
        raise AnsibleFilterError("rudderstack.profiles version filters need the Python library "
                                 "packaging on the controller (pip install packaging)")


def version_pin_valid(pin, allow_latest=False, allow_empty=False):
    _need_packaging()
    return versions.is_valid_pin(pin, allow_latest=allow_latest, allow_empty=allow_empty)


def version_pin_matches(version, pin):
    _need_packaging()
    return versions.pin_matches(version, pin)


def pip_requirements(packages):
    _need_packaging()
    out = []
    for package in packages:
        if not versions.is_valid_pin(package.get("version", ""), allow_latest=True, allow_empty=True):
            raise AnsibleFilterError("pip_requirements: %r is not a version pin for %s"
                                     % (package.get("version"), package.get("name")))
    pb_pin = next((p.get("version", "") for p in packages
                   if versions.normalise_name(p["name"]) == versions.PB_PACKAGE), None)
    for package in packages:
        out.append(versions.install_requirement(package["name"], package.get("version", ""), pb_pin))
    return out


def pb_change(packages, pin):
    """``versions.pb_change`` for the pb found in ``packages`` (name -> version, or None)."""
    _need_packaging()
    installed = dict((versions.normalise_name(name), version) for name, version in (packages or {}).items())
    return versions.pb_change(installed.get(versions.PB_PACKAGE, ""), pin)


def pb_pin_problem(pin):
    _need_packaging()
    return versions.pb_pin_problem(pin)


def packages_to_install(packages, installed):
    _need_packaging()
    return versions.packages_to_install(packages, installed)


def python_conflicts(python_version, packages, requirements):
    _need_packaging()
    try:
        return versions.python_conflicts(python_version, packages, requirements)
    except ValueError as exc:
        raise AnsibleFilterError("python_conflicts: %s" % exc)


def pb_version_info(output):
    return pb_cli.read_version(output if isinstance(output, str) else "")


class FilterModule(object):
    def filters(self):
        return {
            "version_pin_valid": version_pin_valid,
            "version_pin_matches": version_pin_matches,
            "pip_requirements": pip_requirements,
            "python_conflicts": python_conflicts,
            "packages_to_install": packages_to_install,
            "pb_version_info": pb_version_info,
            "pb_pin_problem": pb_pin_problem,
            "pb_change": pb_change,
        }
