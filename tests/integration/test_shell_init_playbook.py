"""Shell init through the real ansible-playbook: the profiles_shell_init module on a throwaway home,
and the pyenv role's shell init on a home whose ~/.bashrc already initialises pyenv.

The role cases run on a pyenv root built in pytest's tmp dir with a stand-in 3.11 installed
(tests/helpers/pyenv.py: the machine's pyenv checkout, linked; nothing is built, installed or
created outside pytest's tmp dir): only the throwaway home's files change."""
import os
import re
import shutil
import stat
import subprocess

import pytest
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import cli as pb_cli

from test_roles_validation import INSTALLED_311, needs_pyenv
from tests.helpers.pyenv import make_pyenv_root

# Debian's skeleton ~/.bashrc, shortened (it returns early in non-interactive shells).
DEBIAN_BASHRC = "# ~/.bashrc: executed by bash(1) for non-login shells.\n\ncase $- in\n    *i*) ;;\n      *) return;;\nesac\n"
PB_BLOCK = "export SF_DISABLE_MINICORE=true\n"


# A shell this machine does not have (zsh is installed here: the login-shell tests use it).
ABSENT_SHELL = "ksh"


def shell_task(home, state="present", skip_if=None, files=(".bashrc", ".kshrc"), block=PB_BLOCK):
    """Explicit files (option shells); .kshrc belongs to ABSENT_SHELL."""
    args = {"name": "pb", "home": str(home), "state": state,
            "shells": [dict({"file": f, "block": block}, **({"shell": ABSENT_SHELL} if f == ".kshrc" else {}))
                       for f in files]}
    if skip_if:
        args["skip_if"] = skip_if
    return args


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    (path / ".bashrc").write_text(DEBIAN_BASHRC)
    return path


def fake_shell(tmp_path):
    """A directory holding an executable named ABSENT_SHELL: the module then finds it 'installed'."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / ABSENT_SHELL).write_text("#!/bin/sh\nexit 0\n")
    (bindir / ABSENT_SHELL).chmod(0o755)
    return {"PATH": "%s:%s" % (bindir, os.environ["PATH"])}


def test_only_installed_shells_get_a_block_and_a_rerun_changes_nothing(ansible, home, tmp_path):
    assert not shutil.which(ABSENT_SHELL, path="/bin:/usr/bin:/usr/local/bin"), "%s is installed here" % ABSENT_SHELL
    result = ansible.module("profiles_shell_init", shell_task(home))
    assert result["changed"] and not result.get("failed"), result
    assert [(f["action"], f["reason"]) for f in result["files"]] == [
        ("add", "block added"), ("skip", "%s is not installed" % ABSENT_SHELL)]
    assert not (home / ".kshrc").exists()
    bashrc = (home / ".bashrc").read_text()
    assert bashrc == DEBIAN_BASHRC + "# BEGIN rudderstack.profiles pb\n" + PB_BLOCK + "# END rudderstack.profiles pb\n"

    again = ansible.module("profiles_shell_init", shell_task(home))
    assert not again["changed"], again["files"]
    assert (home / ".bashrc").read_text() == bashrc

    # Once the shell is there, its file is created, the user's alone can write it, 0644.
    with_shell = ansible.module("profiles_shell_init", shell_task(home), extra_env=fake_shell(tmp_path))
    assert [f["action"] for f in with_shell["files"]] == ["keep", "add"]
    assert stat.S_IMODE((home / ".kshrc").stat().st_mode) == 0o644


def test_files_written_by_blockinfile_are_taken_over_unchanged(ansible, home):
    """Homes onboarded before this module existed hold blocks ansible.builtin.blockinfile wrote."""
    ansible.playbook([{"name": "as the roles used to", "ansible.builtin.blockinfile": {
        "path": str(home / ".bashrc"), "marker": "# {mark} rudderstack.profiles pb", "block": PB_BLOCK}}])
    before = (home / ".bashrc").read_text()
    result = ansible.module("profiles_shell_init", shell_task(home, files=(".bashrc",)))
    assert not result["changed"], result
    assert (home / ".bashrc").read_text() == before


def test_symlinked_dotfiles_stay_symlinks_and_keep_their_mode(ansible, home):
    dotfiles = home / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "bashrc").write_text(DEBIAN_BASHRC)
    (dotfiles / "bashrc").chmod(0o600)
    (home / ".bashrc").unlink()
    (home / ".bashrc").symlink_to("dotfiles/bashrc")
    result = ansible.module("profiles_shell_init", shell_task(home, files=(".bashrc",)))
    assert result["files"][0]["path"] == str(dotfiles / "bashrc")
    assert os.path.islink(home / ".bashrc")
    assert "# BEGIN rudderstack.profiles pb" in (dotfiles / "bashrc").read_text()
    assert stat.S_IMODE((dotfiles / "bashrc").stat().st_mode) == 0o600


def test_check_mode_reports_the_diff_and_writes_nothing(ansible, home):
    result = ansible.module("profiles_shell_init", shell_task(home, files=(".bashrc",)), check=True, diff=True)
    assert result["changed"]
    assert (home / ".bashrc").read_text() == DEBIAN_BASHRC
    [diff] = result["diff"]
    assert diff["before"] == DEBIAN_BASHRC and diff["after"].endswith("# END rudderstack.profiles pb\n")


def test_state_absent_removes_the_block_and_a_file_that_held_only_it(ansible, home, tmp_path):
    env = fake_shell(tmp_path)
    ansible.module("profiles_shell_init", shell_task(home), extra_env=env)
    assert (home / ".kshrc").exists()
    result = ansible.module("profiles_shell_init", shell_task(home, state="absent"), extra_env=env)
    assert [f["action"] for f in result["files"]] == ["remove", "delete"]
    assert (home / ".bashrc").read_text() == DEBIAN_BASHRC
    assert not (home / ".kshrc").exists()


def test_bad_skip_if_names_the_option(ansible, home):
    result = ansible.module("profiles_shell_init", shell_task(home, skip_if="pyenv (init"))
    assert result.get("failed") and "skip_if is not a valid regular expression" in result["msg"]
    assert (home / ".bashrc").read_text() == DEBIAN_BASHRC


# ---- the pyenv role ----------------------------------------------------------------------------

@pytest.fixture
def pyenv_root(tmp_path):
    return make_pyenv_root(str(tmp_path / "pyenv-root"), INSTALLED_311)


def pyenv_role(home, root):
    return [{"name": "pyenv role", "ansible.builtin.include_role": {"name": "rudderstack.profiles.pyenv"},
             "vars": {"pyenv_root": root, "pyenv_user_home": str(home),
                      "pyenv_install_build_dependencies": False, "pyenv_virtualenv_name": "",
                      "pyenv_python_version": INSTALLED_311[-1]}}]


def interactive_bash(home, command):
    env = {"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin", "TERM": "dumb"}
    return subprocess.run(["bash", "-ic", command], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


@needs_pyenv
def test_pyenv_role_leaves_a_bashrc_that_already_initialises_pyenv_alone(ansible, home, pyenv_root):
    # What pyenv's README tells users to add, pointed at the test's pyenv root.
    users_lines = ('export PYENV_ROOT="%s"\n'
                   '[[ -d $PYENV_ROOT/bin ]] && export PATH="$PYENV_ROOT/bin:$PATH"\n'
                   'eval "$(pyenv init - bash)"\n' % pyenv_root)
    (home / ".bashrc").write_text(DEBIAN_BASHRC + users_lines)

    ansible.playbook(pyenv_role(home, pyenv_root), gather_facts=True)
    assert ansible.last_stats["failures"] == 0, ansible.last_task_names
    assert (home / ".bashrc").read_text() == DEBIAN_BASHRC + users_lines
    assert not (home / ".zshrc").exists()
    assert ansible.last_stats["changed"] == 0

    shell = interactive_bash(home, "type -P pyenv; pyenv root")
    assert shell.stdout.split() == [os.path.join(pyenv_root, "bin", "pyenv"), pyenv_root], shell.stderr


@needs_pyenv
def test_pyenv_role_writes_one_block_into_a_fresh_bashrc(ansible, home, pyenv_root):
    ansible.playbook(pyenv_role(home, pyenv_root), gather_facts=True)
    assert ansible.last_stats["failures"] == 0, ansible.last_task_names
    bashrc = (home / ".bashrc").read_text()
    # Exactly the block the role wrote when it ran one task per file (homes keep theirs).
    assert bashrc == DEBIAN_BASHRC + (
        "# BEGIN rudderstack.profiles pyenv\n"
        'export PYENV_ROOT="%s"\n'
        '[ -d "$PYENV_ROOT/bin" ] && export PATH="$PYENV_ROOT/bin:$PATH"\n'
        'eval "$(pyenv init - bash)"\n'
        'eval "$(pyenv virtualenv-init -)"\n'
        "# END rudderstack.profiles pyenv\n" % pyenv_root)
    assert not (home / ".zshrc").exists()

    ansible.playbook(pyenv_role(home, pyenv_root), gather_facts=True)
    assert ansible.last_stats["changed"] == 0
    assert (home / ".bashrc").read_text() == bashrc
    shell = interactive_bash(home, "pyenv root")
    assert shell.stdout.strip() == pyenv_root, shell.stderr


# ---- the profiles_cli role ----------------------------------------------------------------------

PB_BIN = os.environ.get("PB_BIN")
PB_ENV = pb_cli.PB_ENV  # what pb needs in its environment: the block exports it


@pytest.mark.skipif(not PB_BIN, reason="PB_BIN is not set (path to the real pb)")
def test_profiles_cli_role_writes_the_pb_block_and_wrapper_into_the_given_home(ansible, home):
    """The role with its home given (as after the pyenv role): no account lookup, pb's
    environment and the wrapper's directory on PATH in one block, the text it always wrote."""
    role = [{"name": "profiles_cli role", "ansible.builtin.include_role": {"name": "rudderstack.profiles.profiles_cli"},
             "vars": {"profiles_cli_user_home": str(home), "profiles_cli_pycorelib": False,
                      "profiles_cli_virtualenv": os.path.dirname(os.path.dirname(PB_BIN))}}]
    results = ansible.playbook(role, gather_facts=True)
    results = dict(zip(ansible.last_task_names, results))
    assert ansible.last_stats["failures"] == 0, ansible.last_task_names
    assert results.get("rudderstack.profiles.profiles_cli : Look up the analyst's account and home", {}).get("skipped"), list(results)
    bindir = os.path.join(str(home), ".local", "bin")
    exports = "".join("export %s=%s\n" % item for item in sorted(PB_ENV.items()))
    assert (home / ".bashrc").read_text() == (
        DEBIAN_BASHRC + "# BEGIN rudderstack.profiles pb\n" + exports
        + 'PATH="%s:$(printf \'%%s\' ":$PATH:" | sed -e \'s#:%s:#:#g\' -e \'s#^:##\' -e \'s#:$##\')"\nexport PATH\n'
        % (bindir, re.sub(r'([.\[\]*^$\\])', r'\\\1', bindir))
        + "# END rudderstack.profiles pb\n")
    assert not (home / ".zshrc").exists()
    assert os.access(os.path.join(bindir, "pb"), os.X_OK)

    ansible.playbook(role, gather_facts=True)
    assert ansible.last_stats["changed"] == 0, ansible.last_task_names
    shell = interactive_bash(home, "type -P pb; env")
    assert shell.stdout.split()[0] == os.path.join(bindir, "pb"), shell.stderr
    assert set("%s=%s" % item for item in PB_ENV.items()) <= set(shell.stdout.split()[1:])


def test_login_shell_mode_writes_the_login_shells_files_and_names_missing_blocks(ansible, home):
    """Without shells: the files of login_shell (zsh here: ~/.zprofile and ~/.zshrc; ~/.bashrc,
    another shell's file, is not touched). tests/integration/test_login_shells.py runs the shells."""
    args = {"name": "pb", "home": str(home), "login_shell": "/usr/bin/zsh",
            "blocks": {"zsh": PB_BLOCK, "bash": PB_BLOCK}}
    result = ansible.module("profiles_shell_init", args, check=True)
    assert [(f["path"], f["action"]) for f in result["files"]] == [
        (str(home / ".zprofile"), "add"), (str(home / ".zshrc"), "add")], result
    assert not (home / ".zprofile").exists()
    result = ansible.module("profiles_shell_init", args)
    assert (home / ".zprofile").read_text() == "# BEGIN rudderstack.profiles pb\n" + PB_BLOCK + "# END rudderstack.profiles pb\n"
    assert (home / ".bashrc").read_text() == DEBIAN_BASHRC
    failed = ansible.module("profiles_shell_init", {"name": "pb", "home": str(home), "login_shell": "zsh"})
    assert failed.get("failed") and "blocks is required" in failed["msg"], failed
    failed = ansible.module("profiles_shell_init", dict(args, blocks={"bash": PB_BLOCK}))
    assert failed.get("failed") and "blocks: no block for zsh" in failed["msg"], failed
