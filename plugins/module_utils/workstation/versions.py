# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Version pins and Requires-Python checks, with pip's own rules (PEP 440, ``packaging``).

The profiles_cli role reaches these through the filter plugins in plugins/filter/; they are
plain functions here so unit tests call them directly. A pin is what a role option holds for a
package version: an exact version (``"0.26.4"``), a specifier set (``">=0.26,<0.27"``,
``"~=0.26.4"``, ``"==0.26.*"``) or, where allowed, ``"latest"`` or empty (no pin).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import traceback

try:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version
except ImportError:  # the filters run on the controller, where ansible-core brings packaging
    HAS_PACKAGING = False
    PACKAGING_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_PACKAGING = True
    PACKAGING_IMPORT_ERROR = None

LATEST = "latest"

# A version as Python reports it may carry a local build mark pip's rules reject ("3.12.0+").
_LEADING_RELEASE = re.compile(r"^\s*v?(\d+(?:\.\d+)*)")


def _version(text):
    """``Version`` of ``text``, or None when it is not a PEP 440 version."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return Version(text.strip())
    except InvalidVersion:
        match = _LEADING_RELEASE.match(text)
        return Version(match.group(1)) if match else None


def is_exact_version(pin):
    """True for a pin that names one version (``"0.26.4"``), as opposed to a specifier set."""
    if not isinstance(pin, str) or not pin.strip():
        return False
    try:
        Version(pin.strip())
    except InvalidVersion:
        return False
    return True


def _specifiers(pin):
    """``SpecifierSet`` of a range pin, or None when it is not one."""
    if not isinstance(pin, str) or not pin.strip():
        return None
    try:
        specs = SpecifierSet(pin.strip())
    except InvalidSpecifier:
        return None
    return specs if len(specs) > 0 else None


def is_valid_pin(pin, allow_latest=False, allow_empty=False):
    """True when ``pin`` is a string pip accepts as a version pin (exact version or specifier set).

    Numbers are refused: an unquoted ``0.30`` in YAML is the float 0.3.
    """
    if not isinstance(pin, str):
        return False
    text = pin.strip()
    if not text:
        return allow_empty
    if text == LATEST:
        return allow_latest
    return is_exact_version(text) or _specifiers(text) is not None


def pip_requirement(name, pin):
    """The requirement pip installs for ``name`` at ``pin``: ``name==1.2``, ``name>=1,<2``, or the
    bare name for ``latest`` and an empty pin."""
    text = (pin or "").strip() if isinstance(pin, str) else str(pin)
    if not text or text == LATEST:
        return name
    if is_exact_version(text):
        return "%s==%s" % (name, text)
    return name + text


def pin_matches(version, pin):
    """True when the installed ``version`` satisfies ``pin`` with pip's rules.

    ``latest`` accepts any version (pip just upgraded to it); an exact pin must equal the version
    (``0.26.4`` equals ``0.26.4.0``); a specifier set is checked as a whole, ``~=`` included
    (``~=0.26.4`` means ``>=0.26.4,==0.26.*``). Pre-releases count when they are inside the range.
    A version that cannot be read, or a malformed pin, never matches.
    """
    if isinstance(pin, str) and pin.strip() == LATEST:
        return True
    installed = _version(version)
    if installed is None:
        return False
    if is_exact_version(pin):
        return installed == Version(pin.strip())
    specs = _specifiers(pin)
    if specs is None:
        return False
    return specs.contains(installed, prereleases=True)


def normalise_name(name):
    """A distribution name as PEP 503 compares them (``PyYAML`` and ``pyyaml``, ``a_b`` and ``a-b``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def packages_to_install(packages, installed):
    """The packages pip must still install: not installed, or installed off their pin.

    ``packages``: dicts with ``name`` and ``version`` (a pin: exact, a specifier set, ``latest``
    or empty for any version); ``installed``: distribution name -> version, as
    ``importlib.metadata`` reports them in the target environment, or None when that could not be
    read (then every package is listed, and pip decides). ``latest`` is always listed: only pip
    knows whether a newer release exists.
    """
    have = dict((normalise_name(name), version) for name, version in (installed or {}).items())
    out = []
    for package in packages:
        pin = package.get("version") or ""
        pin = pin.strip() if isinstance(pin, str) else pin
        version = have.get(normalise_name(package["name"]))
        if installed is None or version is None or pin == LATEST or (pin and not pin_matches(version, pin)):
            out.append(package["name"])
    return out


def python_conflicts(python_version, packages, requirements):
    """Packages whose Requires-Python excludes ``python_version``, as messages.

    ``packages``: names (or dicts with ``name``); ``requirements``: package name -> specifier
    set (``">=3.9,<3.12"``); a package without one accepts any Python. Returns a list such as
    ``["profiles-mlcorelib needs Python >=3.9,<3.12"]``, empty when all fit.
    Raises ValueError for a Python version or a specifier set that cannot be read.
    """
    python = _version(python_version)
    if python is None:
        raise ValueError("cannot read the Python version %r" % (python_version,))
    out = []
    for package in packages:
        name = package["name"] if isinstance(package, dict) else package
        spec = (requirements or {}).get(name) or ""
        if not isinstance(spec, str) or not spec.strip():
            continue
        try:
            specs = SpecifierSet(spec.strip())
        except InvalidSpecifier:
            raise ValueError("the Requires-Python of %s, %r, is not a version specifier set such as"
                             " '>=3.9,<3.12'" % (name, spec))
        if not specs.contains(python, prereleases=True):
            message = "%s needs Python %s" % (name, spec.strip())
            if message not in out:
                out.append(message)
    return out


# The pb releases (profiles-rudderstack) this collection supports: every pb command it runs works
# with them (`pb show models` and `pb validate access` with NO_DUMP_FLAGS, which pb 0.25 lacks).
# tests/integration/test_pb_versions.py runs those commands with the oldest (PB_OLDEST_TESTED)
# and with the role's pin. Widen the upper bound once a new minor has passed those tests.
PB_PACKAGE = "profiles-rudderstack"
PB_SUPPORTED = ">=0.26.0,<0.27"
PB_OLDEST_TESTED = "0.26.0"
# Packages released in step with pb: the same minor as pb (profiles-pycorelib 0.26.x requires
# profiles-rudderstack==0.26.*), chosen for an empty version so no resolver can pick an older pb.
PB_COMPANIONS = ("profiles-pycorelib",)
# Versions tried when a range pin is checked against PB_SUPPORTED: every 0.X.Y and 1.X.Y.
_PROBE_RELEASES = ["%d.%d.%d" % (major, minor, patch) for major in (0, 1) for minor in range(60) for patch in range(30)]


def pb_pin_problem(pin, supported=PB_SUPPORTED):
    """Why pb ``pin`` is outside the supported range (a message naming the variable), or ''.

    An exact pin must lie inside; a range pin must admit at least one supported release (the
    installer is then given both, so it cannot pick one outside); ``latest`` means the newest
    supported release.
    """
    text = pin.strip() if isinstance(pin, str) else ""
    if text == LATEST:
        return ""
    specs = SpecifierSet(supported)
    if is_exact_version(text):
        if Version(text) in specs:
            return ""
    else:
        wanted = _specifiers(text)
        if wanted is not None and any(wanted.contains(v) and specs.contains(v) for v in _PROBE_RELEASES):
            return ""
    return ("profiles_cli_rudderstack_version %r is outside the pb releases this collection supports (%s):"
            " the collection's pb commands are tested on those only. Set profiles_cli_rudderstack_version"
            " to a release in that range (the default is the tested one)." % (pin, supported))


def pb_minor(pin):
    """``"0.26"`` when ``pin`` (exact, or a range inside one minor) fixes pb's minor, else ''."""
    text = pin.strip() if isinstance(pin, str) else ""
    if is_exact_version(text):
        release = Version(text).release + (0,)
        return "%d.%d" % release[:2]
    specs = _specifiers(text) if text and text != LATEST else None
    if text == LATEST:
        specs = SpecifierSet(PB_SUPPORTED)
    if specs is None:
        return ""
    minors = set("%d.%d" % Version(v).release[:2] for v in _PROBE_RELEASES
                 if specs.contains(v) and Version(v) in SpecifierSet(PB_SUPPORTED))
    return minors.pop() if len(minors) == 1 else ""


def install_requirement(name, pin, pb_pin=None):
    """What the installer gets for ``name``: :func:`pip_requirement`, with pb held inside
    PB_SUPPORTED (``latest`` is the newest supported) and a companion without a version held to
    pb's minor (``profiles-pycorelib==0.26.*``)."""
    text = (pin or "").strip() if isinstance(pin, str) else str(pin)
    if normalise_name(name) == PB_PACKAGE:
        if text == LATEST or not text:
            return name + PB_SUPPORTED
        if not is_exact_version(text):
            return name + ",".join([str(s) for s in _specifiers(text)] + [PB_SUPPORTED])
    elif normalise_name(name) in PB_COMPANIONS and not text and pb_pin is not None:
        minor = pb_minor(pb_pin)
        if minor:
            return "%s==%s.*" % (name, minor)
    return pip_requirement(name, pin)


def _minor_of(version):
    release = Version(version).release + (0,)
    return "%d.%d" % release[:2]


def pb_change(installed, pin):
    """How the virtualenv's pb (``installed`` version, '' when none) gets to ``pin``.

    Returns ``{"action", "from", "to_minor", "downgrade"}``; action is ``none`` (pb matches the
    pin), ``install`` (no pb yet), ``upgrade`` (same minor, or a pin only the index can answer),
    ``rebuild`` (pb's minor changes: its dependencies change with it, and installing over the old
    ones leaves stale, conflicting packages behind, so the virtualenv is made again) or
    ``downgrade`` (every release the pin admits is older than the installed one).
    """
    to_minor = pb_minor(pin)
    out = {"action": "install", "from": installed or "", "to_minor": to_minor, "downgrade": False}
    have = _version(installed) if installed else None
    if have is None:
        return out
    if pin_matches(installed, pin) and (pin.strip() != LATEST or _minor_of(str(have)) == to_minor):
        out["action"] = "none"
        return out
    if is_exact_version(pin):
        admitted = [Version(pin.strip())]
    else:
        specs = SpecifierSet(PB_SUPPORTED) if pin.strip() == LATEST else _specifiers(pin)
        admitted = [Version(v) for v in _PROBE_RELEASES
                    if specs is not None and specs.contains(v) and Version(v) in SpecifierSet(PB_SUPPORTED)]
    if admitted and max(admitted) < have:
        out["downgrade"] = True
    if to_minor and to_minor != _minor_of(str(have)):
        out["action"] = "rebuild"
    else:
        out["action"] = "downgrade" if out["downgrade"] else "upgrade"
    return out
