"""The pyenv role's shared Python builds (pyenv_python_share_dir) across several workstations, as
its plan drives them: the first workstation of a kind builds and stores the archive, the others
unpack it (their prefix rewritten); when that build fails, the others build their own; a rerun
changes nothing. Three inventory hosts on this machine, each with its own pyenv root holding a
stand-in pyenv whose `install` lays down a small fake CPython in a moment (the real build is the
fleet molecule scenario's)."""
import json
import os
import subprocess
import sys
import textwrap

FAKE_PYENV = textwrap.dedent("""\
    #!/bin/sh
    case "$1" in
      --version) echo "pyenv 2.6.30" ;;
      rehash) ;;
      install)
        if [ "$2" = --list ]; then echo "  3.11.2"; exit 0; fi
        echo "$(basename "$(dirname "$PYENV_ROOT")")" >> "$BUILDS_LOG"
        [ -e "$PYENV_ROOT/../fail-build" ] && { echo "make: *** [all] Error 1" >&2; exit 1; }
        d="$PYENV_ROOT/versions/$3"
        mkdir -p "$d/bin" "$d/lib/python3.11"
        printf '#!/bin/sh\\necho ok\\n' > "$d/bin/python"
        chmod +x "$d/bin/python"
        printf '#!%s/bin/python\\n' "$d" > "$d/bin/pip"
        printf "build_time_vars = {'prefix': '%s', 'Py_ENABLE_SHARED': 0}\\n" "$d" > "$d/lib/python3.11/_sysconfigdata__linux.py"
        ;;
    esac
    """)
HOSTS = ["ana", "ben", "cy"]


def _fleet(tmp_path, failing=()):
    for host in HOSTS:
        root = tmp_path / host / "pyenv"
        (root / "bin").mkdir(parents=True)
        (root / "plugins" / "pyenv-virtualenv" / "bin").mkdir(parents=True)
        (root / "plugins" / "pyenv-virtualenv" / "bin" / "pyenv-virtualenv").write_text("")
        (root / "bin" / "pyenv").write_text(FAKE_PYENV)
        (root / "bin" / "pyenv").chmod(0o755)
        # (the role makes it when it becomes the analyst; here the analyst is the connection user)
        (tmp_path / host / "home" / ".ansible" / "tmp").mkdir(parents=True)
        if host in failing:
            (tmp_path / host / "fail-build").write_text("")
    inventory = tmp_path / "hosts.json"
    inventory.write_text(json.dumps({"all": {"hosts": {h: {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
        "pyenv_root": str(tmp_path / h / "pyenv"), "pyenv_user_home": str(tmp_path / h / "home")}
        for h in HOSTS}}}))
    play = tmp_path / "play.yml"
    play.write_text(json.dumps([{"hosts": "all", "gather_facts": False, "roles": [{
        "role": "rudderstack.profiles.pyenv",
        "vars": {"pyenv_install_build_dependencies": False, "pyenv_shell_init": False,
                 "pyenv_virtualenv_name": "", "pyenv_python_version": "3.11.2",
                 "pyenv_python_share_dir": str(tmp_path / "share")}}]}]))
    return inventory, play


def _run(ansible, tmp_path, inventory, play):
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                           "-i", str(inventory), str(play)],
                          env=ansible.env({"BUILDS_LOG": str(tmp_path / "builds.log")}),
                          capture_output=True, text=True, timeout=600, check=False)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError(proc.stdout[-3000:] + proc.stderr[-3000:])
    changed = {}
    for task in report["plays"][0]["tasks"]:
        for host, result in task["hosts"].items():
            if result.get("changed"):
                changed.setdefault(host, []).append(task["task"]["name"])
            if result.get("failed"):
                changed.setdefault(host, []).append("FAILED %s: %s" % (task["task"]["name"], result.get("msg")))
    return report["stats"], changed


def _builds(tmp_path):
    path = tmp_path / "builds.log"
    return path.read_text().split() if path.exists() else []


def _prefix(tmp_path, host):
    data = (tmp_path / host / "pyenv" / "versions" / "3.11.2" / "lib" / "python3.11" / "_sysconfigdata__linux.py")
    return data.read_text()


def test_one_workstation_builds_the_others_unpack_and_a_rerun_changes_nothing(ansible, tmp_path):
    inventory, play = _fleet(tmp_path)
    stats, changed = _run(ansible, tmp_path, inventory, play)
    assert all(stats[h]["failures"] == 0 for h in HOSTS), (stats, changed)
    assert _builds(tmp_path) == ["ana"]
    assert any(": Build from source" in name for name in changed["ana"]), changed
    assert all(any(": Unpack " in name for name in changed[h]) for h in ("ben", "cy")), changed
    assert len(os.listdir(str(tmp_path / "share"))) == 1
    for host in HOSTS:
        assert str(tmp_path / host / "pyenv" / "versions" / "3.11.2") in _prefix(tmp_path, host)

    stats, changed = _run(ansible, tmp_path, inventory, play)
    assert changed == {} and all(stats[h]["failures"] == 0 for h in HOSTS), changed
    assert _builds(tmp_path) == ["ana"]


def test_the_others_build_their_own_when_the_shared_build_fails(ansible, tmp_path):
    inventory, play = _fleet(tmp_path, failing=("ana",))
    stats, changed = _run(ansible, tmp_path, inventory, play)
    assert stats["ana"]["failures"] == 1
    assert stats["ben"]["failures"] == 0 and stats["cy"]["failures"] == 0, (stats, changed)
    assert sorted(_builds(tmp_path)) == ["ana", "ben", "cy"]
    assert not os.path.exists(str(tmp_path / "share")) or os.listdir(str(tmp_path / "share")) == []
    for host in ("ben", "cy"):
        assert str(tmp_path / host / "pyenv" / "versions" / "3.11.2") in _prefix(tmp_path, host)
