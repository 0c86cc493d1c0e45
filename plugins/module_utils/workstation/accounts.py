# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Who the analyst is, where their home is, and whether the roles must become them.

One lookup for every role and OS: the passwd database through Python's ``pwd`` module. On Linux
that is NSS (files, LDAP, SSSD: what ``getent passwd`` shows); on macOS the same call is answered
by Open Directory, so it returns the account's NFSHomeDirectory (what ``dscl . -read
/Users/NAME NFSHomeDirectory`` shows), which is not always ``/Users/NAME``.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import os
import pwd


def _current_user():
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid without a passwd entry (some containers)
        return str(uid)


def _group_name(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def needs_become(user, current):
    """Whether work for ``user`` must run with become: a user is named and it is not ``current``,
    the user the work would otherwise run as."""
    return bool(user) and user != current


def lookup_account(user="", home=""):
    """The account the roles work for.

    ``user``: the account name; empty means the user this runs as. ``home``: a home to use instead
    of the one in the passwd database (empty: looked up).

    Returns ``user``, ``exists``, ``home`` (empty when unknown), ``uid``, ``gid``, ``group``,
    ``shell`` (None / empty for an account that does not exist), ``current_user`` (who this runs
    as) and ``become`` (true when the work must run as ``user`` because it is someone else).
    """
    current = _current_user()
    name = user or current
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        entry = None
    return {
        "user": name,
        "exists": entry is not None,
        "home": home or (entry.pw_dir if entry else ""),
        "uid": entry.pw_uid if entry else None,
        "gid": entry.pw_gid if entry else None,
        "group": _group_name(entry.pw_gid) if entry else "",
        "shell": entry.pw_shell if entry else "",
        "current_user": current,
        "become": needs_become(user, current),
    }
