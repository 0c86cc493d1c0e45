"""pb and pyenv in every kind of session of the analyst's login shell, with real accounts and real
shells: a zsh user and a bash user made with useradd (the tests run as root), the pyenv and
profiles_cli roles' shell steps run as them (become, su), then the real zsh and bash started the
ways an analyst, ssh, cron and CI start them:

  interactive            zsh -ic / bash -ic          (a terminal)
  login, not interactive zsh -lc / bash -lc          (ssh host cmd, scripts)
  su - user -c CMD       the account's login shell   (what ssh and cron give)

The pyenv root is a copy of the machine's pyenv code in the user's home (no Python is built or
installed: only `pyenv root` and `pyenv init` are asked). pb is the real one (PB_BIN), run through
the role's ~/.local/bin/pb wrapper. Users are removed afterwards."""
import os
import pwd
import shutil
import stat
import subprocess

import pytest

from tests.helpers.pyenv import CODE, machine_pyenv_checkout

PB_BIN = os.environ.get("PB_BIN")
ZSH = shutil.which("zsh")

needs = pytest.mark.skipif(not (PB_BIN and ZSH and os.geteuid() == 0 and machine_pyenv_checkout()),
                           reason="needs PB_BIN, zsh (scripts/setup.sh installs it), root and a pyenv checkout")
pytestmark = needs


def make_user(name, shell):
    subprocess.run(["useradd", "--create-home", "--shell", shell, name], check=True)
    return pwd.getpwnam(name)


@pytest.fixture
def accounts():
    suffix = str(os.getpid())[-6:]
    made = []
    try:
        for stem, shell in (("zoe", ZSH), ("bob", "/bin/bash")):
            made.append(make_user("pbt%s%s" % (stem, suffix), shell))
        yield made
    finally:
        for entry in made:
            subprocess.run(["userdel", "--remove", entry.pw_name], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def give_pyenv(entry):
    """A pyenv root in the user's home running a copy of the machine's pyenv code."""
    root = os.path.join(entry.pw_dir, ".pyenv")
    checkout = machine_pyenv_checkout()
    os.makedirs(os.path.join(root, "versions"))
    for part in CODE:
        if os.path.exists(os.path.join(checkout, part)):
            shutil.copytree(os.path.join(checkout, part), os.path.join(root, part), symlinks=True)
    # A virtualenv holding a pb, as the roles make one: pyenv's init makes a `pb` shim of it, which
    # must not take the wrapper's place (interactive login shells run pyenv's init twice).
    os.makedirs(os.path.join(root, "versions", "profiles", "bin"))
    with open(os.path.join(root, "versions", "profiles", "bin", "pb"), "w") as handle:
        handle.write("#!/bin/sh\necho 'pyenv shim, not the wrapper' >&2; exit 1\n")
    os.chmod(os.path.join(root, "versions", "profiles", "bin", "pb"), 0o755)
    subprocess.run(["chown", "-R", "%d:%d" % (entry.pw_uid, entry.pw_gid), root], check=True)
    return root


def shell_steps(entry, root):
    """The roles' shell steps as the analyst (su: no sudo on this machine), from the roles' own
    task files with the facts the earlier steps of the roles would have set."""
    become = {"become": True, "become_user": entry.pw_name, "become_method": "su"}
    venv = os.path.dirname(os.path.dirname(PB_BIN))
    return [
        {"name": "pyenv's shell step", "ansible.builtin.include_role": {
            "name": "rudderstack.profiles.pyenv", "tasks_from": "shell", "apply": become},
         "vars": {"_pyenv_home": entry.pw_dir, "_pyenv_root": root, "_pyenv_bin": root + "/bin/pyenv",
                  "_pyenv_state": {"plan": {"install_kind": "git"}},
                  "_pyenv_account": {"shell": entry.pw_shell},
                  # the analyst's modules run on the system Python (the tests' is under /root)
                  "ansible_python_interpreter": "/usr/bin/python3"}},
        {"name": "profiles_cli's shell step", "ansible.builtin.include_role": {
            "name": "rudderstack.profiles.profiles_cli", "tasks_from": "shell", "apply": become},
         "vars": {"_profiles_cli_home": entry.pw_dir, "profiles_cli_virtualenv": venv,
                  "ansible_python_interpreter": "/usr/bin/python3"}},
    ]


def as_user(entry, argv, login_env=True):
    """Run ``argv`` as the user with the environment a fresh session starts from."""
    env = {"HOME": entry.pw_dir, "USER": entry.pw_name, "LOGNAME": entry.pw_name,
           "SHELL": entry.pw_shell, "PATH": "/usr/local/bin:/usr/bin:/bin", "TERM": "dumb"}
    return subprocess.run(argv, env=env, cwd=entry.pw_dir, user=entry.pw_uid, group=entry.pw_gid,
                          extra_groups=[], capture_output=True, text=True, timeout=120, check=False)


def su_login(entry, command):
    """`su - user -c CMD`: the account's login shell, as ssh and cron start it."""
    return subprocess.run(["su", "-", entry.pw_name, "-c", command], capture_output=True, text=True,
                          timeout=120, check=False, env={"PATH": "/usr/bin:/bin", "TERM": "dumb"})


def pb_and_pyenv(proc, entry):
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    lines = proc.stdout.splitlines()
    assert "Current version of pb: v" in proc.stdout, proc.stdout + proc.stderr
    assert lines[0] == os.path.join(entry.pw_dir, ".local/bin/pb"), lines
    assert lines[1] == os.path.join(entry.pw_dir, ".pyenv"), lines
    assert "SF=true" in lines, lines


PROBE = 'command -v pb; pyenv root; echo "SF=$SF_DISABLE_MINICORE"; pb version'


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_pb_and_pyenv_in_every_session_of_the_login_shell(ansible, accounts):
    zoe, bob = accounts
    # zoe was onboarded by a run that wrote ~/.bashrc for every user: that block must go.
    old_block = "# BEGIN rudderstack.profiles pb\nexport SF_DISABLE_MINICORE=true\n# END rudderstack.profiles pb\n"
    zoe_bashrc = open(os.path.join(zoe.pw_dir, ".bashrc")).read()   # Debian's skeleton
    with open(os.path.join(zoe.pw_dir, ".bashrc"), "a") as handle:
        handle.write(old_block)
    bob_profile = open(os.path.join(bob.pw_dir, ".profile")).read()

    for entry in accounts:
        root = give_pyenv(entry)
        ansible.playbook(shell_steps(entry, root))
        assert ansible.last_stats["failures"] == 0, ansible.last_task_names
        assert ansible.last_stats["changed"] > 0
        ansible.playbook(shell_steps(entry, root))
        assert ansible.last_stats["changed"] == 0, ansible.last_task_names   # rerun

    # zoe (zsh): ~/.zprofile (login) and ~/.zshrc (interactive), new files 0644 and hers; her
    # ~/.bashrc is the skeleton again, no ~/.profile block.
    for name in (".zprofile", ".zshrc"):
        path = os.path.join(zoe.pw_dir, name)
        text = open(path).read()
        assert text.count("# BEGIN rudderstack.profiles pyenv") == 1 and "pyenv init - zsh" in text, text
        assert text.count("# BEGIN rudderstack.profiles pb") == 1, text
        assert mode(path) == 0o644 and os.stat(path).st_uid == zoe.pw_uid
    assert open(os.path.join(zoe.pw_dir, ".bashrc")).read() == zoe_bashrc
    assert "rudderstack.profiles" not in open(os.path.join(zoe.pw_dir, ".profile")).read()

    # bob (bash): ~/.bashrc and Debian's ~/.profile (the profile bash reads as a login shell); no zsh files.
    assert open(os.path.join(bob.pw_dir, ".profile")).read().startswith(bob_profile)
    for name in (".bashrc", ".profile"):
        text = open(os.path.join(bob.pw_dir, name)).read()
        assert "pyenv init - bash" in text and text.count("# BEGIN rudderstack.profiles pb") == 1, text
    assert not os.path.exists(os.path.join(bob.pw_dir, ".zshrc"))
    assert not os.path.exists(os.path.join(bob.pw_dir, ".zprofile"))

    # Every kind of session finds pb (the wrapper, pb's environment) and pyenv.
    pb_and_pyenv(as_user(zoe, [ZSH, "-lc", PROBE]), zoe)
    pb_and_pyenv(as_user(zoe, [ZSH, "-ic", PROBE]), zoe)
    pb_and_pyenv(as_user(zoe, [ZSH, "-ilc", PROBE]), zoe)   # a macOS Terminal tab: both files
    pb_and_pyenv(su_login(zoe, PROBE), zoe)
    pb_and_pyenv(as_user(bob, ["bash", "-lc", PROBE]), bob)
    pb_and_pyenv(as_user(bob, ["bash", "-ic", PROBE]), bob)
    pb_and_pyenv(as_user(bob, ["bash", "-ilc", PROBE]), bob)   # ~/.profile sources ~/.bashrc
    pb_and_pyenv(su_login(bob, PROBE), bob)
    # pb ran as root first on this machine (its /tmp/go-graphviz is root's): the wrapper's private
    # TMPDIR is what lets zoe and bob run it (docs/pb-quirks.md).
    assert os.path.isdir(os.path.join(zoe.pw_dir, ".cache/rudderstack-pb/tmp"))
