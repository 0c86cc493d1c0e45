"""A model of Homebrew's ``brew`` command, for the macOS simulation (extensions/molecule/macos):
a recording stand-in, not Homebrew. It answers the calls the collection makes (the pyenv role
through community.general.homebrew, profiles_pyenv_info) and writes each call to a log the
scenario's verify reads.

Installed (with a ``#!/usr/bin/python3`` line put in front) as ``$PREFIX/bin/brew`` (``/opt/homebrew`` on Apple silicon, ``/usr/local`` on Intel);
the prefix belongs to the user who installed Homebrew, as on a Mac. Modelled on Homebrew's
documentation (https://docs.brew.sh/Manpage: ``--prefix [--installed] FORMULA``, ``info --json=v2``,
``install``, ``shellenv``; https://docs.brew.sh/Querying-Brew and
https://formulae.brew.sh/docs/api/ for the JSON: ``formulae[].name``, ``full_name``, ``tap``,
``aliases``, ``oldnames``, ``installed`` (a list, empty when not installed), ``outdated``; formula
aliases as formulae.brew.sh lists them: ``openssl`` -> ``openssl@3``, ``sqlite3`` -> ``sqlite``):

- run as root it refuses, as Homebrew does ("Running Homebrew as root is extremely dangerous and
  no longer supported");
- ``install`` records the formula as installed; ``pyenv`` and ``pyenv-virtualenv`` are cloned from
  the scenario's git mirrors into ``$PREFIX/opt/NAME`` and their ``bin/`` linked into
  ``$PREFIX/bin``, as Homebrew links a keg;
- every call is appended to ``$PREFIX/var/standin-brew.jsonl`` as ``{"argv": [...], "uid": N}``.
"""
import json
import os
import subprocess
import sys

PREFIX = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
STATE = os.path.join(PREFIX, "var", "standin-brew-installed.json")
LOG = os.path.join(PREFIX, "var", "standin-brew.jsonl")
# Formulae the collection asks for: name -> (version, aliases).
FORMULAE = {
    "openssl@3": ("3.4.0", ["openssl"]),
    "readline": ("8.2.13", []),
    "sqlite": ("3.47.2", ["sqlite3"]),
    "xz": ("5.6.3", []),
    "zlib": ("1.3.1", []),
    "tcl-tk": ("9.0.0", ["tcl-tk@9"]),
    "pyenv": ("2.6.30", []),
    "pyenv-virtualenv": ("1.2.4", []),
}
MIRRORS = {"pyenv": "/mirrors/pyenv.git", "pyenv-virtualenv": "/mirrors/pyenv-virtualenv.git"}


def resolve(name):
    for formula, (version, aliases) in FORMULAE.items():
        if name == formula or name in aliases or name == "homebrew/core/" + formula:
            return formula
    return None


def installed():
    try:
        with open(STATE) as handle:
            return json.load(handle)
    except (IOError, ValueError):
        return {}


def fail(message):
    sys.stderr.write("Error: %s\n" % message)
    return 1


def info(names):
    current = installed()
    formulae = []
    for name in names:
        formula = resolve(name)
        if not formula:
            return fail('No available formula with the name "%s".' % name)
        version, aliases = FORMULAE[formula]
        formulae.append({
            "name": formula, "full_name": formula, "tap": "homebrew/core", "aliases": aliases,
            "oldnames": [], "versions": {"stable": version},
            "installed": [{"version": version}] if formula in current else [],
            "outdated": False,
        })
    print(json.dumps({"formulae": formulae, "casks": []}))
    return 0


def install(names):
    current = installed()
    for name in names:
        formula = resolve(name)
        if not formula:
            return fail('No available formula with the name "%s".' % name)
        if formula in MIRRORS and formula not in current:
            keg = os.path.join(PREFIX, "opt", formula)
            subprocess.check_call(["git", "clone", "-q", MIRRORS[formula], keg])
            for tool in os.listdir(os.path.join(keg, "bin")):
                link = os.path.join(PREFIX, "bin", tool)
                if not os.path.lexists(link):
                    os.symlink(os.path.join(keg, "bin", tool), link)
        current[formula] = FORMULAE[formula][0]
        print("==> Pouring %s--%s (stand-in)" % (formula, FORMULAE[formula][0]))
    with open(STATE, "w") as handle:
        json.dump(current, handle)
    return 0


def main(argv):
    os.makedirs(os.path.dirname(LOG), exist_ok=True)
    with open(LOG, "a") as handle:
        handle.write(json.dumps({"argv": argv, "uid": os.geteuid()}) + "\n")
    if os.geteuid() == 0:
        return fail("Running Homebrew as root is extremely dangerous and no longer supported.\n"
                    "As Homebrew does not drop privileges on installation you would be giving all build scripts full access to your system.")
    args = [a for a in argv if a not in ("--formula", "--quiet")]
    if args[:1] == ["--prefix"]:
        rest = args[1:]
        if not rest:
            print(PREFIX)
            return 0
        only_installed = "--installed" in rest
        names = [a for a in rest if not a.startswith("-")]
        formula = resolve(names[0]) if names else None
        if not formula or (only_installed and formula not in installed()):
            return fail("No such keg: %s/Cellar/%s" % (PREFIX, names[0] if names else ""))
        print(os.path.join(PREFIX, "opt", formula))
        return 0
    if args[:1] == ["shellenv"]:
        print('export HOMEBREW_PREFIX="%s";' % PREFIX)
        print('export PATH="%s/bin:%s/sbin${PATH+:$PATH}";' % (PREFIX, PREFIX))
        return 0
    if args[:1] == ["info"] and "--json=v2" in args:
        return info([a for a in args[1:] if not a.startswith("-")])
    if args[:1] == ["install"]:
        return install([a for a in args[1:] if not a.startswith("-")])
    return fail("the stand-in does not model `brew %s`" % " ".join(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
