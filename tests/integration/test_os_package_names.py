"""The pyenv role's Debian-family package list (roles/pyenv/vars/Debian.yml) against the real
archives of Debian 13 and Ubuntu 22.04 and 24.04: apt itself, with a private state
directory per release (the archive's main component, an empty dpkg status), resolves
``apt-get install --simulate --no-install-recommends`` of the whole list, and every name must be
a real package of that release, installed as itself (not a virtual name another package
provides, which ansible.builtin.apt handles differently and a later release may drop).

Nothing is installed. The archives come from the package mirror this machine's apt uses
(Debian's from its sources; Ubuntu's, which the same mirror serves beside Debian's, at the
sibling path ``ubuntu``; DEBIAN_MIRROR / UBUNTU_MIRROR override). Debian's Release files are
checked with debian-archive-keyring; Ubuntu's keyring is not packaged for Debian 12, so Ubuntu's
are read unverified ([trusted=yes]): this checks names, not the integrity of an install.

It found that Debian 13 and Ubuntu 24.04 have no package libncursesw5-dev (the pyenv wiki's
name; there only a name libncurses-dev provides): the list names libncurses-dev, a real package
in all four (docs/platforms.md).
"""
import glob
import os
import re
import shutil
import subprocess

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"

pytestmark = pytest.mark.skipif(not shutil.which("apt-get"), reason="apt-get is not installed (a Debian machine)")


def debian_mirror():
    if os.environ.get("DEBIAN_MIRROR"):
        return os.environ["DEBIAN_MIRROR"].rstrip("/")
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        with open(path) as handle:
            for line in handle:
                if line.startswith("URIs:") and "security" not in line:
                    return line.split()[1].rstrip("/")
    with open("/etc/apt/sources.list") as handle:
        for line in handle:
            parts = line.split()
            if parts[:1] == ["deb"] and not parts[1].startswith("["):
                return parts[1].rstrip("/")
    raise AssertionError("no Debian mirror in apt's sources: set DEBIAN_MIRROR")


def mirror(distro):
    if distro == "ubuntu":
        if os.environ.get("UBUNTU_MIRROR"):
            return os.environ["UBUNTU_MIRROR"].rstrip("/")
        return re.sub(r"/debian$", "/ubuntu", debian_mirror())
    return debian_mirror()


def apt(tmp_path, distro, suite):
    """A function running apt-get/apt-cache against ``suite`` only, in a state directory of its own."""
    for sub in ("lists/partial", "cache/archives/partial"):
        (tmp_path / sub).mkdir(parents=True)
    (tmp_path / "status").write_text("")
    signed = "[signed-by=%s]" % DEBIAN_KEYRING if distro == "debian" else "[trusted=yes]"
    (tmp_path / "sources.list").write_text("deb %s %s %s main\n" % (signed, mirror(distro), suite))
    options = []
    for key, value in (("Dir::Etc::SourceList", tmp_path / "sources.list"), ("Dir::Etc::SourceParts", "/nonexistent"),
                       ("Dir::State::Lists", tmp_path / "lists"), ("Dir::State::status", tmp_path / "status"),
                       ("Dir::Cache", tmp_path / "cache"), ("Dir::Etc::Preferences", "/nonexistent"),
                       ("Dir::Etc::PreferencesParts", "/nonexistent"), ("APT::Sandbox::User", "root"),
                       ("Acquire::Languages", "none"), ("APT::Architecture", "amd64")):
        options += ["-o", "%s=%s" % (key, value)]

    def run(tool, *args):
        return subprocess.run([tool] + options + list(args), capture_output=True, text=True, timeout=300, check=False)
    update = run("apt-get", "update", "-qq")
    assert update.returncode == 0 and "W: GPG error" not in update.stderr or distro == "ubuntu", update.stderr
    return run


# Debian 12 is left out: the CI machine and the fleet's bookworm workstations install the list for
# real, and Debian 12's names are the ones the list was made from (17 s of CI time saved).
@pytest.mark.parametrize("distro, suite", [("debian", "trixie"), ("ubuntu", "jammy"), ("ubuntu", "noble")])
def test_every_debian_family_build_dependency_is_a_real_package(tmp_path, distro, suite):
    with open(os.path.join(ROOT, "roles", "pyenv", "vars", "Debian.yml")) as handle:
        names = yaml.safe_load(handle)["pyenv_os_packages"]
    run = apt(tmp_path, distro, suite)
    sim = run("apt-get", "install", "--simulate", "--no-install-recommends", *names)
    assert sim.returncode == 0, sim.stdout[-3000:] + sim.stderr
    installed = set(re.findall(r"^Inst (\S+) ", sim.stdout, re.M))
    assert installed, sim.stdout[-2000:]
    assert [n for n in names if n not in installed] == [], "%s %s: names only provided by another package" % (distro, suite)
    # And a name the release does not have fails the same check (the check can fail).
    assert run("apt-get", "install", "--simulate", "python3-no-such-package").returncode != 0
