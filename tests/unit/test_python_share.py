"""Which workstation builds a shared Python, and under what name (module_utils/workstation/python_share.py),
directly and through the filters in a real ansible-playbook run over several hosts."""
import json
import os
import subprocess
import sys

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import python_share

BOOKWORM = {"system": "Linux", "distribution": "Debian", "distribution_major_version": "12",
            "architecture": "x86_64"}
TRIXIE = dict(BOOKWORM, distribution_major_version="13")


def test_key_names_version_platform_and_recipe():
    key = python_share.share_key(BOOKWORM, "3.11.2", "--disable-test-modules")
    assert key.startswith("python-3.11.2-Linux-Debian-12-x86_64-")
    assert key == python_share.share_key(dict(BOOKWORM), "3.11.2", "--disable-test-modules", {})
    others = {python_share.share_key(TRIXIE, "3.11.2", "--disable-test-modules"),
              python_share.share_key(BOOKWORM, "3.11.3", "--disable-test-modules"),
              python_share.share_key(BOOKWORM, "3.11.2", ""),
              python_share.share_key(BOOKWORM, "3.11.2", "--disable-test-modules", {"CFLAGS": "-O1"})}
    assert key not in others and len(others) == 4


def test_key_is_a_file_name_whatever_the_facts_say():
    key = python_share.share_key({"distribution": "../../etc x", "architecture": ""}, "3.11/../2")
    assert "/" not in key and " " not in key and "-unknown-" in key


def test_first_host_of_each_kind_that_needs_a_build():
    hosts = ["ana", "ben", "cy", "dee", "eve"]
    shares = {"ana": {"key": "b", "build": False}, "ben": {"key": "t", "build": True},
              "cy": {"key": "b", "build": True}, "dee": {"key": "b", "build": True}, "eve": None}
    assert python_share.builders(hosts, shares) == ["ben", "cy"]
    assert python_share.builders(["dee", "cy"], shares) == ["dee"]
    assert python_share.builders(hosts, {}) == []


def test_filters_in_a_play_over_several_hosts(ansible, tmp_path):
    inventory = tmp_path / "hosts.yml"
    hosts = {"ana": BOOKWORM, "ben": TRIXIE, "cy": BOOKWORM}
    inventory.write_text(json.dumps({"all": {"hosts": {
        h: {"ansible_connection": "local", "facts": f} for h, f in hosts.items()}}}))
    play = tmp_path / "play.yml"
    play.write_text(json.dumps([{"hosts": "all", "gather_facts": False, "tasks": [
        {"ansible.builtin.set_fact": {"_pyenv_share": {
            "key": "{{ facts | rudderstack.profiles.python_share_key('3.11.2') }}", "build": True}}},
        {"ansible.builtin.set_fact": {"builds": "{{ inventory_hostname in (ansible_play_batch"
                                                " | rudderstack.profiles.python_share_builders(hostvars)) }}"}},
        {"ansible.builtin.debug": {"msg": "{{ builds }} {{ _pyenv_share.key }}"}}]}]))
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                           "-i", str(inventory), str(play)], env=ansible.env(), capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    debug = json.loads(proc.stdout)["plays"][0]["tasks"][2]["hosts"]
    assert {h: debug[h]["msg"].split()[0] for h in hosts} == {"ana": "True", "ben": "True", "cy": "False"}
    assert debug["ana"]["msg"].split()[1] == debug["cy"]["msg"].split()[1] != debug["ben"]["msg"].split()[1]
