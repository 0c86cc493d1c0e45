"""Builds the example execution environment (docs/ee/execution-environment.yml) for real on this
machine, which reaches no container registry and no Galaxy server:

- the base is the molecule Debian image (scripts/build_images.sh) plus what ee-minimal has and it
  lacks (tests/helpers/ee-base/Containerfile: an apt entry point for ansible-builder's
  ``$PKGMGR install/clean`` calls, pip's CA bundle); it is given to the definition as the build
  arguments ``EE_BASE_IMAGE``, ``PKGMGR`` and ``PYPKG`` (Debian's names of Python, pip and venv),
  the way docs/awx.md tells users to switch bases;
- the definition is docs/ee/execution-environment.yml byte for byte; only its requirements.yml is
  replaced, naming collection tarballs instead of Galaxy: this checkout built with
  ``ansible-galaxy collection build`` and community.general (its dependency) packed from the copy
  the ``ansible`` package bundles, installed with ``--offline``;
- ``ansible-builder create`` writes the context, ``podman build`` builds it with layer caching
  (only the stages after the collection's tarball run again when the collection changes).

    python -m tests.helpers.ee [TAG]     # build and print the steps' seconds

Environment: PROFILES_MOLECULE_IMAGE (the molecule images' name, as build_images.sh),
PROFILES_EE_WORK (kept build files; default /var/tmp/rudderstack-profiles-ee)."""
import glob
import json
import os
import shutil
import subprocess
import sys
import time

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
DEFINITION = os.path.join(REPO, "docs", "ee", "execution-environment.yml")
MOLECULE_IMAGE = os.environ.get("PROFILES_MOLECULE_IMAGE", "localhost/rudderstack-profiles-molecule")
BASE_TAG = "localhost/rudderstack-profiles-ee-base:bookworm"
WORKSTATION_TAG = "localhost/rudderstack-profiles-ee-workstation:%s"
TAG = "localhost/rudderstack-profiles-ee:test"
WORK = os.environ.get("PROFILES_EE_WORK", "/var/tmp/rudderstack-profiles-ee")


def podman_works():
    """podman is there with the molecule Debian image (scripts/build_images.sh)."""
    return bool(shutil.which("podman")) and subprocess.run(
        ["podman", "image", "exists", MOLECULE_IMAGE + ":bookworm"], check=False).returncode == 0


def _bin(name):
    """A tool of the venv running this (ansible-builder, ansible-galaxy), else from PATH."""
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    return candidate if os.access(candidate, os.X_OK) else shutil.which(name)


def _run(argv, **kwargs):
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False, **kwargs)
    if proc.returncode != 0:
        raise RuntimeError("%s failed (rc %d):\n%s" % (" ".join(argv), proc.returncode, proc.stdout[-6000:]))
    return proc.stdout


def _bundled(namespace, name):
    import ansible_collections
    for root in ansible_collections.__path__:
        path = os.path.join(root, namespace, name)
        if os.path.exists(os.path.join(path, "MANIFEST.json")):
            return path
    raise RuntimeError("%s.%s is not bundled with the ansible package here" % (namespace, name))


def pack_installed_collection(path, out_dir):
    """An installed collection (MANIFEST.json, FILES.json, files) as the tarball Galaxy would
    serve: the same members at the archive's top level. The ``ansible`` package leaves out some
    files its FILES.json lists (CI definitions); the entries of those are dropped, as
    ansible-galaxy extracts every entry. Kept per version."""
    with open(os.path.join(path, "MANIFEST.json")) as handle:
        info = json.load(handle)["collection_info"]
    tarball = os.path.join(out_dir, "%s-%s-%s.tar.gz" % (info["namespace"], info["name"], info["version"]))
    if os.path.exists(tarball):
        return tarball
    staging = tarball + ".d"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(path, staging, ignore=shutil.ignore_patterns("__pycache__"))
    with open(os.path.join(staging, "FILES.json")) as handle:
        files = json.load(handle)
    files["files"] = [f for f in files["files"] if f["name"] == "."
                      or os.path.lexists(os.path.join(staging, f["name"]))]
    with open(os.path.join(staging, "FILES.json"), "w") as handle:
        json.dump(files, handle)
    _run(["tar", "-C", staging, "-czf", tarball + ".tmp"] + sorted(os.listdir(staging)))
    os.rename(tarball + ".tmp", tarball)
    shutil.rmtree(staging)
    return tarball


def build_collection(out_dir):
    """This checkout as a collection tarball (the one ansible-galaxy builds, build_ignore applied)."""
    for old in glob.glob(os.path.join(out_dir, "rudderstack-profiles-*.tar.gz")):
        os.remove(old)
    _run([_bin("ansible-galaxy"), "collection", "build", "--force", "--output-path", out_dir, REPO])
    return glob.glob(os.path.join(out_dir, "rudderstack-profiles-*.tar.gz"))[0]


def build_base():
    """The Debian stand-in for ee-minimal (cached layers: seconds once built)."""
    _run(["podman", "build", "-q", "--network", "host", "--build-arg", "BASE=%s:bookworm" % MOLECULE_IMAGE,
          "-t", BASE_TAG, os.path.join(HERE, "ee-base")])
    return BASE_TAG


def build_workstation(suite, extra_packages=()):
    """The molecule image of ``suite`` (bookworm, trixie) with an SSH server, the pyenv role's OS
    packages and ``extra_packages`` (tests/helpers/ee-workstation/; cached layers: seconds once
    built)."""
    tag = WORKSTATION_TAG % suite
    with open(os.path.join(REPO, "roles", "pyenv", "vars", "Debian.yml")) as handle:
        packages = yaml.safe_load(handle)["pyenv_os_packages"] + list(extra_packages)
    _run(["podman", "build", "-q", "--network", "host", "--layers", "--build-arg", "BASE=%s:%s" % (MOLECULE_IMAGE, suite),
          "--build-arg", "PACKAGES=" + " ".join(packages), "-t", tag, os.path.join(HERE, "ee-workstation")])
    return tag


def build(tag=TAG, work=WORK):
    """Builds the example EE as ``tag``; returns {step: seconds}."""
    times = {}

    def step(name, started):
        times[name] = round(time.monotonic() - started, 1)

    os.makedirs(os.path.join(work, "collections"), exist_ok=True)
    t = time.monotonic()
    tarballs = [build_collection(os.path.join(work, "collections")),
                pack_installed_collection(_bundled("community", "general"), os.path.join(work, "collections"))]
    step("collections", t)

    t = time.monotonic()
    base = build_base()
    step("base image", t)

    # The definition as shipped; requirements.yml names the tarballs (Galaxy is unreachable).
    t = time.monotonic()
    ee_dir = os.path.join(work, "ee")
    shutil.rmtree(ee_dir, ignore_errors=True)
    os.makedirs(ee_dir)
    shutil.copy(DEFINITION, ee_dir)
    with open(os.path.join(ee_dir, "requirements.yml"), "w") as handle:
        yaml.safe_dump({"collections": [{"name": "collections/" + os.path.basename(p), "type": "file"}
                                        for p in tarballs]}, handle)
    context = os.path.join(work, "context")
    shutil.rmtree(context, ignore_errors=True)
    _run([_bin("ansible-builder"), "create", "-f", os.path.join(ee_dir, "execution-environment.yml"),
          "-c", context, "--output-filename", "Containerfile"])
    os.makedirs(os.path.join(context, "_build", "collections"))
    for tarball in tarballs:
        shutil.copy2(tarball, os.path.join(context, "_build", "collections"))
    step("ansible-builder create", t)

    t = time.monotonic()
    _run(["podman", "build", "--network", "host", "--layers",
          "--build-arg", "EE_BASE_IMAGE=" + base,
          "--build-arg", "PKGMGR=/usr/local/bin/apt-pkgmgr",
          "--build-arg", "PYPKG=python3.11 python3-pip python3-venv",
          "--build-arg", "ANSIBLE_GALAXY_CLI_COLLECTION_OPTS=--offline",
          "-f", os.path.join(context, "Containerfile"), "-t", tag, context])
    step("podman build", t)
    return times


def main(argv):
    tag = argv[0] if argv else TAG
    times = build(tag)
    for name, seconds in times.items():
        print("%-24s %6.1f s" % (name, seconds))
    print("built %s" % tag)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
