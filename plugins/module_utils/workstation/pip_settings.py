# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""One set of pip settings for every pip call of every role: ``profiles_pip_settings``.

A fleet behind a TLS-intercepting proxy, a forward proxy or a private index must reach the same
index with the same trust settings from every pip call (the pb install, PyYAML for the modules,
anything pyenv-virtualenv bootstraps). The roles take one dictionary and turn it into pip's
environment variables with :func:`pip_environment`; environment variables, unlike command-line
flags, also reach the pip calls that other tools make (pyenv-virtualenv, pip's own subprocesses).

Plain Python (no Ansible imports) so unit tests call it directly.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

VARIABLE = "profiles_pip_settings"

# key -> (pip environment variable, kind, what it is). The roles' argument specs document these
# keys; tests/unit/test_pip_settings.py checks that they agree with this table.
SETTINGS = {
    "index_url": ("PIP_INDEX_URL", "url", "Package index (a PyPI mirror or a private index)."),
    "extra_index_urls": ("PIP_EXTRA_INDEX_URL", "url_list", "More indexes searched after index_url."),
    "find_links": ("PIP_FIND_LINKS", "location_list", "Directories or URLs holding wheels."),
    "trusted_hosts": ("PIP_TRUSTED_HOST", "host_list", "Hosts pip reaches without TLS verification."),
    "ca_bundle": ("PIP_CERT", "path", "CA bundle on the target (TLS-intercepting proxies, internal CAs)."),
    "client_cert": ("PIP_CLIENT_CERT", "path", "Client certificate (PEM with key) for indexes that ask for one."),
    "proxy": ("PIP_PROXY", "proxy", "Forward proxy, scheme://[user:password@]host:port."),
    "cache_dir": ("PIP_CACHE_DIR", "path", "pip's cache (downloaded wheels), e.g. one shared by CI runners."),
    "timeout": ("PIP_DEFAULT_TIMEOUT", "seconds", "Seconds pip waits on one network read."),
    "retries": ("PIP_RETRIES", "count", "How many times pip retries a connection."),
}

# Always set: no interactive prompt (a credential prompt would hang an unattended run) and no
# version self-check (one more request to PyPI, which a private index may not proxy).
FIXED = {
    "PIP_NO_INPUT": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}

_URL_SCHEMES = ("http://", "https://", "file://")
_PROXY_SCHEMES = ("http://", "https://", "socks5://", "socks5h://")


class PipSettingsError(ValueError):
    """profiles_pip_settings holds something pip cannot use; the message says what to change."""


def _string(key, value):
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise PipSettingsError("%s.%s must be a string, got %r" % (VARIABLE, key, value))
    return str(value).strip()


def _as_list(key, value):
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, (list, tuple)):
        raise PipSettingsError("%s.%s must be a list of strings, got %r" % (VARIABLE, key, value))
    items = [_string(key, item) for item in value]
    return [item for item in items if item]


def _check_url(key, url):
    if not url.startswith(_URL_SCHEMES):
        raise PipSettingsError("%s.%s must be an http(s):// or file:// URL, got %r" % (VARIABLE, key, url))
    return url


def _check_path(key, path):
    if not path.startswith(("/", "~")):
        raise PipSettingsError("%s.%s must be an absolute path on the target, got %r" % (VARIABLE, key, path))
    return path


def _check_host(key, host):
    if "/" in host or " " in host:
        raise PipSettingsError("%s.%s entries are host names (optionally host:port), got %r"
                               % (VARIABLE, key, host))
    return host


def _positive_number(key, value, integer):
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError):
        number = None
    if isinstance(value, bool) or number is None or number < 0 or (not integer and number == 0):
        raise PipSettingsError("%s.%s must be a %s number, got %r"
                               % (VARIABLE, key, "whole" if integer else "positive", value))
    return str(int(number)) if integer or number == int(number) else str(number)


def _render(key, kind, value):
    """The environment value for one setting, or None when the setting is empty (unset)."""
    if value is None:
        return None
    if kind.endswith("_list"):
        items = _as_list(key, value)
        if not items:
            return None
        check = {"url_list": _check_url, "host_list": _check_host}.get(kind)
        if kind == "location_list":
            items = [item if item.startswith(_URL_SCHEMES) else _check_path(key, item) for item in items]
        elif check:
            items = [check(key, item) for item in items]
        return " ".join(items)
    if kind in ("seconds", "count"):
        if isinstance(value, str) and not value.strip():
            return None
        return _positive_number(key, value, integer=kind == "count")
    text = _string(key, value)
    if not text:
        return None
    if kind == "url":
        return _check_url(key, text)
    if kind == "path":
        return _check_path(key, text)
    if kind == "proxy":
        if not text.startswith(_PROXY_SCHEMES):
            raise PipSettingsError("%s.proxy must be a URL such as http://proxy.example.com:3128, got %r"
                                   % (VARIABLE, text))
        return text
    raise AssertionError("unknown kind %s" % kind)  # pragma: no cover  (table and code disagree)


def pip_environment(settings):
    """pip's environment variables for ``profiles_pip_settings`` (a dict; None or {} for none).

    Empty values leave pip's own default (and any pip.conf on the target) in place; unknown keys
    are refused, so a typo such as ``index-url`` fails instead of being ignored silently.
    """
    if settings is None:
        settings = {}
    if not isinstance(settings, dict):
        raise PipSettingsError("%s must be a dictionary (keys: %s), got %r"
                               % (VARIABLE, ", ".join(sorted(SETTINGS)), settings))
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise PipSettingsError("%s has unknown keys %s; known keys: %s"
                               % (VARIABLE, ", ".join(map(str, unknown)), ", ".join(sorted(SETTINGS))))
    env = dict(FIXED)
    for key, (name, kind, _doc) in SETTINGS.items():
        rendered = _render(key, kind, settings.get(key))
        if rendered is not None:
            env[name] = rendered
    return env
