"""scripts/onboard-local.sh --stop and --purge on a home that had things before the first run: a
pyenv with its own Python, a ~/.bashrc with the user's lines, a siteconfig with another
connection. --purge must take out what the script made and nothing else. (The bare-machine case,
where everything was made by the script, is extensions/molecule/newcomer.)

The home, the state directory and the pyenv are throwaway directories laid out as a first run
leaves them; the record of what existed before is the script's own format (scripts/onboard-local.sh,
record_first_run)."""
import json
import os
import subprocess

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
USERS_BASHRC = "# my bashrc\nalias ll='ls -l'\n"
BLOCKS = ("# BEGIN rudderstack.profiles pyenv\nexport PYENV_ROOT=x\n# END rudderstack.profiles pyenv\n"
          "# BEGIN rudderstack.profiles pb\nexport SF_DISABLE_MINICORE=true\n# END rudderstack.profiles pb\n")


def lay_out(tmp_path, pyenv_existed=True):
    home, state, pyenv = tmp_path / "home", tmp_path / "state", tmp_path / "pyenv"
    for folder in (home / ".pb", home / ".local" / "bin", home / "profiles-project", state,
                   home / ".cache" / "pip", home / ".cache" / "snowflake", home / ".ansible" / "tmp",
                   pyenv / "bin", pyenv / "versions" / "3.11.7" / "bin",
                   pyenv / "versions" / "3.11.7" / "envs" / "profiles" / "bin"):
        folder.mkdir(parents=True)
    (pyenv / "versions" / "profiles").symlink_to(pyenv / "versions" / "3.11.7" / "envs" / "profiles")
    (home / ".bashrc").write_text(USERS_BASHRC + BLOCKS)
    (home / ".zshrc").write_text(BLOCKS)
    (home / ".local" / "bin" / "pb").write_text("#!/bin/sh\n")
    (home / ".local" / "bin" / "other-tool").write_text("#!/bin/sh\n")
    (home / ".pb" / "siteconfig.yaml").write_text(yaml.safe_dump({"connections": {
        "mine": {"target": "dev", "outputs": {"dev": {"type": "postgres", "schema": "s"}}},
        "local_pg": {"target": "dev", "outputs": {"dev": {"type": "postgres", "schema": "rs_profiles"}}}}}))
    existed = {pyenv: pyenv_existed, pyenv / "versions" / "profiles": False, home / ".pb": True,
               home / ".pb" / "siteconfig.yaml": True, home / "profiles-project": False,
               home / ".local" / "bin" / "pb": False, home / ".bashrc": True, home / ".zshrc": False,
               home / ".cache" / "pip": True, home / ".cache" / "snowflake": False, home / ".ansible": False,
               home / ".local": True, home / ".cache": True}
    (state / "before").write_text("".join("%s %s\n" % ("exists" if e else "absent", p) for p, e in existed.items()))
    (state / "vars.json").write_text(json.dumps({"local_python_version": "3.11.7"}))
    (state / "dpkg-added").write_text("postgresql\npostgresql-15\n")
    return home, state, pyenv


def purge(home, state, pyenv, tmp_path, *args):
    env = {"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin", "PYENV_ROOT": str(pyenv),
           "PROFILES_LOCAL_STATE": str(state), "PROFILES_LOCAL_PGDIR": str(tmp_path / "pg"),
           "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"), "ANSIBLE_REMOTE_TEMP": str(tmp_path / "ansible-tmp")}
    return subprocess.run(["bash", os.path.join(REPO, "scripts", "onboard-local.sh")] + list(args), env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_purge_removes_what_the_script_made_and_keeps_what_was_there(tmp_path):
    home, state, pyenv = lay_out(tmp_path)
    proc = purge(home, state, pyenv, tmp_path, "--purge")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    assert (home / ".bashrc").read_text() == USERS_BASHRC
    assert not (home / ".zshrc").exists()                      # it held only the blocks
    assert not (home / "profiles-project").exists()
    assert not (home / ".local" / "bin" / "pb").exists()
    assert (home / ".local" / "bin" / "other-tool").exists()
    # The user's pyenv and Python stay; the virtualenv the script made goes.
    assert (pyenv / "bin").is_dir() and (pyenv / "versions" / "3.11.7" / "bin").is_dir()
    assert not os.path.lexists(pyenv / "versions" / "profiles")
    assert not (pyenv / "versions" / "3.11.7" / "envs" / "profiles").exists()
    # The user's siteconfig keeps their connection.
    with open(str(home / ".pb" / "siteconfig.yaml")) as f:
        assert sorted(yaml.safe_load(f)["connections"]) == ["mine"]
    assert not state.exists()
    assert "apt-get purge postgresql postgresql-15" in proc.stdout
    # What the runs made on the way goes; the user's pip cache stays.
    assert not (home / ".cache" / "snowflake").exists() and not (home / ".ansible").exists()
    assert (home / ".cache" / "pip").is_dir()


def test_purge_of_a_pyenv_the_script_installed_removes_it(tmp_path):
    home, state, pyenv = lay_out(tmp_path, pyenv_existed=False)
    proc = purge(home, state, pyenv, tmp_path, "--purge")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not pyenv.exists()
    assert "removed pyenv (%s)" % pyenv in proc.stdout


def test_stop_and_purge_without_a_first_run_say_so(tmp_path):
    home, state, pyenv = tmp_path / "home", tmp_path / "state", tmp_path / "pyenv"
    home.mkdir()
    assert purge(home, state, pyenv, tmp_path, "--stop").stdout.startswith("no local PostgreSQL in ")
    proc = purge(home, state, pyenv, tmp_path, "--purge")
    assert proc.returncode == 0 and "nothing to purge" in proc.stdout
    assert os.listdir(str(home)) == []
