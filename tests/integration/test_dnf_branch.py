"""The pyenv role's dnf branch (roles/pyenv/tasks/packages.yml) run for real: a simulation.

Real dnf 4 (Debian's dnf and python3-dnf packages, the Python bindings ansible.builtin.dnf
drives) and the real rpm database, resolving the names roles/pyenv/vars/RedHat.yml asks for
against a local rpm repository that carries exactly those Fedora/RHEL names as empty packages
(one spec, one rpmbuild, createrepo_c), the only repository dnf sees. The host is a Debian
container from scripts/build_images.sh's dnf image, presented to the role as Fedora 40 with facts
from tests/integration/fixtures/fedora-40-facts.yml (as the macos scenario presents Macs).

What it proves: the dnf task runs under become with the real module, asks for every name on the
list and nothing else (what the rpm database holds afterwards), and a rerun changes nothing. What
it does not prove: that each name exists on a given Fedora or RHEL release (the repository is
made from the list itself; docs/platforms.md, RHEL family), nor that the real packages build
CPython. Not Fedora, not RHEL.
"""
import json
import os
import shutil
import subprocess
import uuid

import pytest
import yaml

from devtools import ci_job

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMAGE = os.environ.get("PROFILES_DNF_IMAGE", "localhost/rudderstack-profiles-dnf:bookworm")
FACTS = os.path.join(ROOT, "tests", "integration", "fixtures", "fedora-40-facts.yml")
REDHAT_VARS = os.path.join(ROOT, "roles", "pyenv", "vars", "RedHat.yml")

pytestmark = pytest.mark.skipif(
    not shutil.which("podman") or subprocess.run(["podman", "image", "exists", IMAGE], check=False).returncode != 0,
    reason="podman or the image %s is missing (scripts/build_images.sh)" % IMAGE)


def spec(names):
    """One spec whose subpackages are empty noarch packages named ``names``."""
    lines = ["Name: fedora-name-stand-ins", "Version: 1", "Release: 1", "Summary: Empty packages with Fedora's names",
             "License: MIT", "BuildArch: noarch", "%description", "Stand-ins for tests/integration/test_dnf_branch.py."]
    for name in names:
        lines += ["%%package -n %s" % name, "Summary: Stand-in for Fedora's %s" % name,
                  "%%description -n %s" % name, "Empty.", "%%files -n %s" % name]
    return "\n".join(lines) + "\n"


@pytest.fixture
def fedora(tmp_path):
    """A container with dnf pointed only at a local repository of the role's names, plus one decoy."""
    with open(REDHAT_VARS) as handle:
        names = yaml.safe_load(handle)["pyenv_os_packages"]
    name = "dnf-branch-" + uuid.uuid4().hex[:8]
    (tmp_path / "stand-ins.spec").write_text(spec(names + ["not-asked-for"]))
    ci_job.podman("run", "-d", "--name", name, "-v", "%s:/spec:ro" % tmp_path, IMAGE, "sleep", "infinity")
    try:
        ci_job.podman("exec", name, "bash", "-euc", """
            rpmbuild -bb --quiet --define '_topdir /tmp/rpmbuild' /spec/stand-ins.spec >/dev/null
            mkdir -p /srv/fedora-names /etc/yum.repos.d /etc/dnf
            cp /tmp/rpmbuild/RPMS/noarch/*.rpm /srv/fedora-names/
            createrepo_c -q /srv/fedora-names
            printf '[main]\\ngpgcheck=0\\nreposdir=/etc/yum.repos.d\\n' > /etc/dnf/dnf.conf
            printf '[fedora-names]\\nname=Fedora names (stand-ins)\\nbaseurl=file:///srv/fedora-names\\ngpgcheck=0\\n' \
              > /etc/yum.repos.d/fedora-names.repo
            test -z "$(rpm -qa)"
        """)
        yield name, names
    finally:
        ci_job.podman("rm", "-f", "-t", "0", name, check=False)


def converge(ansible, container, extra_vars=None):
    play = [{
        "hosts": "all", "gather_facts": True, "gather_subset": ["min"],
        "vars": {"ansible_connection": "containers.podman.podman", "ansible_python_interpreter": "/usr/bin/python3"},
        "tasks": [
            {"name": "Present the host as Fedora 40",
             "ansible.builtin.set_fact": {"ansible_facts": "{{ ansible_facts | combine(lookup('ansible.builtin.file', '%s') | from_yaml) }}" % FACTS}},
            {"name": "Run the pyenv role's package step",
             "ansible.builtin.include_role": {"name": "rudderstack.profiles.pyenv", "tasks_from": "packages.yml"}},
        ]}]
    path = os.path.join(ansible.workdir, "dnf.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(play, handle, sort_keys=False)
    argv = [shutil.which("ansible-playbook", path=ansible.env()["PATH"]), "-i", container + ",", path]
    if extra_vars:
        argv += ["-e", json.dumps(extra_vars)]
    proc = subprocess.run(argv, env=ansible.env(), capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    tasks = {t["task"]["name"].split(" : ", 1)[-1]: t["hosts"][container] for t in report["plays"][0]["tasks"]}
    return tasks, report["stats"][container]


def installed(container):
    out = ci_job.podman("exec", container, "rpm", "-qa", "--qf", "%{NAME}\\n").stdout
    return sorted(out.split())


def test_the_dnf_branch_installs_the_fedora_names_with_real_dnf(ansible, fedora):
    container, names = fedora
    tasks, stats = converge(ansible, container)
    dnf = tasks["Install build dependencies (dnf; a minute or two the first time)"]
    assert dnf.get("changed") and not dnf.get("skipped"), dnf
    # ansible.builtin.dnf's own report (dnf 4 bindings): one line per package installed.
    assert sorted(dnf["results"]) == sorted("Installed: %s-1-1.noarch" % n for n in names), dnf["results"]
    assert tasks["Install build dependencies (apt; a minute or two the first time)"].get("skipped")
    # The rpm database holds exactly the role's names: the decoy the repository also has is not there.
    assert installed(container) == sorted(names)
    # A rerun asks dnf again and changes nothing.
    tasks, stats = converge(ansible, container)
    assert stats["changed"] == 0, tasks
    assert installed(container) == sorted(names)


def test_a_name_dnf_cannot_resolve_fails_the_run(ansible, fedora):
    container, names = fedora
    proc_ok = True
    try:
        converge(ansible, container, {"pyenv_extra_packages": ["python3-tkinter-not-in-this-repo"]})
    except AssertionError as exc:
        proc_ok = False
        assert "python3-tkinter-not-in-this-repo" in str(exc)
    assert not proc_ok
    assert installed(container) == []
