# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""One set of installer settings for every pip and uv call of every role: ``profiles_pip_settings``.

A fleet behind a TLS-intercepting proxy, a forward proxy or a private index must reach the same
index with the same trust settings from every pip call (the pb install, PyYAML for the modules,
anything pyenv-virtualenv bootstraps). The roles take one dictionary and turn it into pip's
environment variables with :func:`pip_environment`; environment variables, unlike command-line
flags, also reach the pip calls that other tools make (pyenv-virtualenv, pip's own subprocesses).

uv reads neither pip's environment variables nor pip.conf: :func:`uv_environment` derives uv's
environment from the same settings, merged over what pip's own configuration on the target says
(``pip config list``, parsed by :func:`settings_from_pip_config`), so a workstation configured for
pip (by this dictionary, a pip.conf or PIP_* variables) reaches the same index the same way with uv.

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
    "offline": ("PIP_NO_INDEX", "flag", "No index: install only from find_links (and, with uv, its cache)."),
}

# key -> uv's environment variables for it (uv 0.13, docs.astral.sh/uv/reference/environment/).
# Lists: uv's UV_INDEX and UV_INSECURE_HOST are space-separated, UV_FIND_LINKS comma-separated.
# uv searches UV_INDEX before UV_DEFAULT_INDEX and, by default, takes a package from the first
# index that has it (pip merges all indexes): docs/installers.md says what that means for a fleet.
UV_SETTINGS = {
    "index_url": ("UV_DEFAULT_INDEX",),
    "extra_index_urls": ("UV_INDEX",),
    "find_links": ("UV_FIND_LINKS",),
    "trusted_hosts": ("UV_INSECURE_HOST",),
    "ca_bundle": ("SSL_CERT_FILE",),
    "client_cert": ("SSL_CLIENT_CERT",),
    "proxy": ("HTTPS_PROXY", "HTTP_PROXY"),
    "cache_dir": ("UV_CACHE_DIR",),
    "timeout": ("UV_HTTP_TIMEOUT",),
    "retries": ("UV_HTTP_RETRIES",),
    "offline": ("UV_OFFLINE",),
    # Not a key of profiles_pip_settings: a constraints file named in pip.conf (pip's `constraint`).
    "constraint": ("UV_CONSTRAINT",),
}

# uv keeps its cache in this subdirectory of cache_dir: its layout differs from pip's, and a
# `uv cache clean` must not empty pip's half of a shared cache.
UV_CACHE_SUBDIR = "uv"

# Always set for uv: no progress bars in logs, and never download a Python (the virtualenv's is
# the one). uv's link mode stays its default: hard links from a cache on the same file system
# (pb's packages then install in about 3 s instead of 8 s of copying 700 MB), a copy otherwise.
UV_FIXED = {
    "UV_NO_PROGRESS": "1",
    "UV_PYTHON_DOWNLOADS": "never",
}

# pip's configuration names (`pip config list`: section.option='value') -> our keys.
_PIP_CONFIG_KEYS = {
    "index-url": "index_url",
    "extra-index-url": "extra_index_urls",
    "find-links": "find_links",
    "trusted-host": "trusted_hosts",
    "cert": "ca_bundle",
    "client-cert": "client_cert",
    "proxy": "proxy",
    "cache-dir": "cache_dir",
    "timeout": "timeout",
    "default-timeout": "timeout",
    "retries": "retries",
    "no-index": "offline",
    "constraint": "constraint",
}
# pip's precedence: environment variables over the install command's section over [global].
_PIP_CONFIG_SECTIONS = {"global": 0, "install": 1, ":env:": 2}

# Always set: no interactive prompt (a credential prompt would hang an unattended run) and no
# version self-check (one more request to PyPI, which a private index may not proxy).
FIXED = {
    "PIP_NO_INPUT": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}

_FLAG_WORDS = {"": False, "0": False, "false": False, "no": False, "off": False,
               "1": True, "true": True, "yes": True, "on": True}
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
    if kind == "flag":
        if value in (True, False) or (isinstance(value, str) and value.strip().lower() in _FLAG_WORDS):
            on = value if isinstance(value, bool) else _FLAG_WORDS[value.strip().lower()]
            return "1" if on else None
        raise PipSettingsError("%s.%s must be true or false, got %r" % (VARIABLE, key, value))
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


def _check_settings(settings):
    if settings is None:
        settings = {}
    if not isinstance(settings, dict):
        raise PipSettingsError("%s must be a dictionary (keys: %s), got %r"
                               % (VARIABLE, ", ".join(sorted(SETTINGS)), settings))
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise PipSettingsError("%s has unknown keys %s; known keys: %s"
                               % (VARIABLE, ", ".join(map(str, unknown)), ", ".join(sorted(SETTINGS))))
    return settings


def pip_environment(settings):
    """pip's environment variables for ``profiles_pip_settings`` (a dict; None or {} for none).

    Empty values leave pip's own default (and any pip.conf on the target) in place; unknown keys
    are refused, so a typo such as ``index-url`` fails instead of being ignored silently.
    """
    settings = _check_settings(settings)
    env = dict(FIXED)
    for key, (name, kind, _doc) in SETTINGS.items():
        rendered = _render(key, kind, settings.get(key))
        if rendered is not None:
            env[name] = rendered
    return env


def settings_from_pip_config(text):
    """Our settings from the output of ``pip config list`` (lines ``section.option='value'``).

    Only the options uv can express are kept (plus pip's ``constraint`` files); the strongest
    source wins as in pip: PIP_* environment variables (``:env:``), then ``[install]``, then
    ``[global]``. Values are kept as pip has them (strings); lists are pip's whitespace-separated
    form. Lines that do not parse are ignored (the caller runs pip, whose output may carry warnings).
    """
    found = {}
    for line in (text or "").splitlines():
        name, sep, value = line.strip().partition("=")
        if not sep or "." not in name:
            continue
        section, dummy, option = name.rpartition(".")
        key = _PIP_CONFIG_KEYS.get(option)
        rank = _PIP_CONFIG_SECTIONS.get(section)
        if key is None or rank is None:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if key not in found or found[key][0] <= rank:
            found[key] = (rank, value)
    return dict((key, value) for key, (dummy, value) in found.items())


def pip_config_from_environment(environ):
    """The PIP_* variables of ``environ`` as ``pip config list`` shows them (``:env:.option='value'``
    lines), for when pip itself cannot be asked: PIP_CERT -> ``:env:.cert``."""
    return "".join(":env:.%s='%s'\n" % (name[4:].lower().replace("_", "-"), value)
                   for name, value in sorted(environ.items()) if name.startswith("PIP_") and len(name) > 4)


def uv_environment(settings, pip_config=None):
    """uv's environment variables for ``profiles_pip_settings``, over pip's configuration.

    ``pip_config``: settings read from the target's pip configuration (see
    :func:`settings_from_pip_config`), or None; ``settings`` wins where both name a key. The
    result sets uv's index, extra indexes, find-links, insecure hosts, CA bundle, client
    certificate, proxy, cache (``<cache_dir>/uv``), timeout, retries and offline mode, plus
    :data:`UV_FIXED`.
    """
    settings = _check_settings(settings)
    merged = dict(pip_config or {})
    for key, value in settings.items():
        if value not in (None, "", [], ()):
            merged[key] = value
    env = dict(UV_FIXED)
    for key, names in UV_SETTINGS.items():
        if key not in merged:
            continue
        try:
            if key == "constraint":
                rendered = " ".join(_as_list(key, merged[key])) or None
            else:
                rendered = _render(key, SETTINGS[key][1], merged[key])
        except PipSettingsError as exc:
            if key in settings and settings[key] not in (None, "", [], ()):
                raise
            raise PipSettingsError("pip's configuration on the target (pip config list) sets %s to %r,"
                                   " which uv cannot use (%s); set it in %s instead"
                                   % (key, merged[key], exc, VARIABLE))
        if rendered is None:
            continue
        if key == "find_links":
            rendered = ",".join(rendered.split(" "))
        elif key == "cache_dir":
            rendered = rendered.rstrip("/") + "/" + UV_CACHE_SUBDIR
        elif key == "timeout":
            # uv reads whole seconds; round a fractional pip timeout up.
            rendered = str(int(-(-float(rendered) // 1)))
        for name in names:
            env[name] = rendered
    return env
