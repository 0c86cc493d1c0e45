"""Unit tests of the shell startup-file blocks (plugins/module_utils/workstation/shell_init.py)."""
import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import shell_init
from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation.shell_init import (
    ShellInitError, plan, put_block, remove_block)

BLOCK = 'export PYENV_ROOT="$HOME/.pyenv"\neval "$(pyenv init - bash)"\n'
WRAPPED = ("# BEGIN rudderstack.profiles pyenv\n" + BLOCK + "# END rudderstack.profiles pyenv\n")
# Debian's skeleton ~/.bashrc, shortened.
DEBIAN_BASHRC = "# ~/.bashrc: executed by bash(1) for non-login shells.\n\ncase $- in\n    *i*) ;;\n      *) return;;\nesac\n"
# What pyenv's README tells users to add.
PYENV_README_LINES = ('export PYENV_ROOT="$HOME/.pyenv"\n'
                      '[[ -d $PYENV_ROOT/bin ]] && export PATH="$PYENV_ROOT/bin:$PATH"\n'
                      'eval "$(pyenv init - bash)"\n')


def test_put_block_appends_after_the_users_text():
    assert put_block(DEBIAN_BASHRC, "pyenv", BLOCK) == DEBIAN_BASHRC + WRAPPED
    assert put_block("alias ll='ls -l'", "pyenv", BLOCK) == "alias ll='ls -l'\n" + WRAPPED
    assert put_block("", "pyenv", BLOCK.rstrip("\n")) == WRAPPED


def test_put_block_replaces_in_place_and_keeps_what_follows():
    old = DEBIAN_BASHRC + "# BEGIN rudderstack.profiles pyenv\nold\n# END rudderstack.profiles pyenv\nalias x=y\n"
    assert put_block(old, "pyenv", BLOCK) == DEBIAN_BASHRC + WRAPPED + "alias x=y\n"


def test_put_block_leaves_one_block_where_there_were_two():
    doubled = WRAPPED + "alias x=y\n" + WRAPPED
    assert put_block(doubled, "pyenv", BLOCK) == WRAPPED + "alias x=y\n"


def test_blocks_of_other_names_are_not_touched():
    pb = "# BEGIN rudderstack.profiles pb\nexport SF_DISABLE_MINICORE=true\n# END rudderstack.profiles pb\n"
    text = put_block(pb, "pyenv", BLOCK)
    assert text == pb + WRAPPED
    assert remove_block(text, "pyenv") == pb


def test_an_unterminated_marker_is_not_a_block():
    text = "# BEGIN rudderstack.profiles pyenv\nuser code\n"
    assert shell_init.find_block(text.splitlines(True), "pyenv") is None
    assert put_block(text, "pyenv", BLOCK) == text + WRAPPED


def test_initialised_elsewhere_ignores_comments_and_our_block():
    assert shell_init.initialised_elsewhere([PYENV_README_LINES], "pyenv", "pyenv init")
    assert not shell_init.initialised_elsewhere([WRAPPED, None], "pyenv", "pyenv init")
    assert not shell_init.initialised_elsewhere(['# eval "$(pyenv init -)"\n'], "pyenv", "pyenv init")
    assert shell_init.initialised_elsewhere(
        ['  eval "$(/opt/homebrew/bin/pyenv init --path)"\n'], "pyenv", "pyenv init")


def files(**contents):
    return lambda path: contents.get(path.lstrip("."))


SHELLS = [{"shell": "bash", "file": ".bashrc", "block": BLOCK},
          {"shell": "zsh", "file": ".zshrc", "block": BLOCK.replace("bash", "zsh")}]


def actions(steps):
    return [(s["file"], s["action"]) for s in steps]


def test_a_shell_that_is_not_installed_gets_nothing():
    steps = plan("pyenv", SHELLS, {"bash"}.__contains__, files(bashrc=DEBIAN_BASHRC), skip_if="pyenv init")
    assert actions(steps) == [(".bashrc", "add"), (".zshrc", "skip")]
    assert steps[0]["after"] == DEBIAN_BASHRC + WRAPPED
    assert steps[1]["reason"] == "zsh is not installed"


def test_a_missing_file_of_an_installed_shell_is_created():
    steps = plan("pyenv", SHELLS, {"bash", "zsh"}.__contains__, files(bashrc=DEBIAN_BASHRC))
    assert actions(steps) == [(".bashrc", "add"), (".zshrc", "add")]
    assert steps[1]["before"] is None and "pyenv init - zsh" in steps[1]["after"]


def test_rerun_keeps():
    steps = plan("pyenv", SHELLS, {"bash"}.__contains__, files(bashrc=DEBIAN_BASHRC + WRAPPED),
                 skip_if="pyenv init")
    assert actions(steps) == [(".bashrc", "keep"), (".zshrc", "skip")]


def test_the_users_own_init_wins_in_any_startup_file_of_that_shell():
    # In .bashrc itself ...
    steps = plan("pyenv", SHELLS, {"bash", "zsh"}.__contains__,
                 files(bashrc=DEBIAN_BASHRC + PYENV_README_LINES), skip_if="pyenv init")
    assert actions(steps) == [(".bashrc", "skip"), (".zshrc", "add")]
    assert "skip_if matched" in steps[0]["reason"]
    # ... or in .profile, which bash reads as a login shell; zsh does not read it.
    steps = plan("pyenv", SHELLS, {"bash", "zsh"}.__contains__,
                 files(bashrc=DEBIAN_BASHRC, profile=PYENV_README_LINES), skip_if="pyenv init")
    assert actions(steps) == [(".bashrc", "skip"), (".zshrc", "add")]


def test_a_block_from_an_earlier_run_goes_when_the_user_has_their_own_init():
    steps = plan("pyenv", SHELLS, {"bash"}.__contains__,
                 files(bashrc=DEBIAN_BASHRC + WRAPPED + PYENV_README_LINES), skip_if="pyenv init")
    assert actions(steps)[0] == (".bashrc", "remove")
    assert steps[0]["after"] == DEBIAN_BASHRC + PYENV_README_LINES


def test_an_earlier_zshrc_made_where_zsh_is_missing_is_removed_with_its_block():
    pb = "# BEGIN rudderstack.profiles pb\nexport X=1\n# END rudderstack.profiles pb\n"
    steps = plan("pyenv", SHELLS, {"bash"}.__contains__,
                 files(bashrc=DEBIAN_BASHRC + WRAPPED, zshrc=WRAPPED + "\n"))
    assert actions(steps) == [(".bashrc", "keep"), (".zshrc", "delete")]
    assert steps[1]["after"] is None
    # A file that holds something else keeps it.
    steps = plan("pyenv", SHELLS, {"bash"}.__contains__, files(zshrc=pb + WRAPPED))
    assert actions(steps) == [(".bashrc", "add"), (".zshrc", "remove")]
    assert steps[1]["after"] == pb


def test_state_absent_takes_blocks_out():
    steps = plan("pyenv", [{"file": ".bashrc"}, {"file": ".zshrc"}], {"bash", "zsh"}.__contains__,
                 files(bashrc=DEBIAN_BASHRC + WRAPPED), state="absent")
    assert actions(steps) == [(".bashrc", "remove"), (".zshrc", "skip")]
    assert steps[0]["after"] == DEBIAN_BASHRC


def test_the_shell_follows_from_the_file_name():
    assert [shell_init.shell_for_file(f) for f in (".bashrc", ".zprofile", ".profile", "x/.zshrc", "rc")] \
        == ["bash", "zsh", "sh", "zsh", None]
    steps = plan("pb", [{"file": ".bashrc", "block": "x"}], {"bash"}.__contains__, files())
    assert steps[0]["shell"] == "bash" and steps[0]["action"] == "add"


@pytest.mark.parametrize("shells, kwargs, message", [
    ([{"file": ".bashrc"}], {}, "has no block"),
    ([{"file": "rc", "block": "x"}], {}, "set shell for rc"),
    ([{"shell": "bash", "block": "x"}], {}, "needs a file"),
    ([{"file": ".bashrc", "block": "x"}, {"file": ".bashrc", "block": "y"}], {}, "listed twice"),
    ([{"file": ".bashrc", "block": "x"}], {"skip_if": "("}, "skip_if is not a valid regular expression"),
    ([{"file": ".bashrc", "block": "x"}], {"state": "gone"}, "state must be present or absent"),
])
def test_bad_input_names_the_option(shells, kwargs, message):
    with pytest.raises(ShellInitError, match=message):
        plan("pyenv", shells, {"bash"}.__contains__, files(), **kwargs)


LINE = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"),
               max_size=30)
TEXT = st.lists(st.one_of(LINE, st.sampled_from([
    "# BEGIN rudderstack.profiles pyenv", "# END rudderstack.profiles pyenv", "old body"])),
    max_size=8).map(lambda lines: "".join(line + "\n" for line in lines))


@settings(max_examples=300, deadline=None)
@given(TEXT, LINE)
def test_put_block_is_idempotent_and_leaves_exactly_one_block(text, body):
    once = put_block(text, "pyenv", body)
    assert put_block(once, "pyenv", body) == once
    assert once.count(shell_init.render_block("pyenv", body)) >= 1
    assert shell_init.find_block(remove_block(once, "pyenv").splitlines(True), "pyenv") is None


@settings(max_examples=200, deadline=None)
@given(TEXT, LINE)
def test_remove_undoes_put_on_a_file_without_block(text, body):
    if shell_init.find_block(text.splitlines(True), "pyenv"):
        return
    assert remove_block(put_block(text, "pyenv", body), "pyenv") == text


def test_pyenv_entries_are_the_blocks_the_role_wrote_before():
    """The text the pyenv role's per-file template rendered (before one module run took all the
    files): a fleet onboarded then keeps its blocks unchanged."""
    files = [{"path": ".bashrc", "shell": "bash"}, {"path": ".config/zshrc", "shell": "zsh"}]
    entries = shell_init.pyenv_entries(files, "/home/ana/.pyenv", "pyenv")
    assert [(e["shell"], e["file"]) for e in entries] == [("bash", ".bashrc"), ("zsh", ".config/zshrc")]
    assert entries[1]["block"] == (
        'export PYENV_ROOT="/home/ana/.pyenv"\n'
        '[ -d "$PYENV_ROOT/bin" ] && export PATH="$PYENV_ROOT/bin:$PATH"\n'
        'eval "$(pyenv init - zsh)"\n'
        'eval "$(pyenv virtualenv-init -)"\n')
    brew = shell_init.pyenv_entries(files[:1], "/Users/ana/.pyenv", "/opt/homebrew/opt/pyenv/bin/pyenv")
    assert 'eval "$(/opt/homebrew/opt/pyenv/bin/pyenv init - bash)"\n' in brew[0]["block"]
    # And the module's planner takes them as they are.
    steps = shell_init.plan("pyenv", entries, lambda shell: shell == "bash", lambda path: None)
    assert [s["action"] for s in steps] == ["add", "skip"]


def test_the_filter_names_the_option_for_a_bad_item():
    from ansible.errors import AnsibleFilterError
    from ansible_collections.rudderstack.profiles.plugins.filter.shell_init import pyenv_shell_init
    with pytest.raises(AnsibleFilterError, match="pyenv_shell_init_files"):
        pyenv_shell_init([{"path": ".bashrc"}], "/root/.pyenv")


# ---- the files of the login shell (pyenv's README, "Set up your shell environment for Pyenv") ----

def paths(entries):
    return [(e["path"], e["shell"]) for e in entries]


@pytest.mark.parametrize("login_shell, existing, expected", [
    ("/bin/zsh", (), [(".zprofile", "zsh"), (".zshrc", "zsh")]),
    ("/opt/homebrew/bin/zsh", (".bashrc",), [(".zprofile", "zsh"), (".zshrc", "zsh")]),
    ("-zsh", (), [(".zprofile", "zsh"), (".zshrc", "zsh")]),
    # bash: ~/.bashrc and the one profile bash reads as a login shell, ~/.profile if none exists.
    ("/bin/bash", (), [(".bashrc", "bash"), (".profile", "bash")]),
    ("/bin/bash", (".profile",), [(".bashrc", "bash"), (".profile", "bash")]),
    ("/bin/bash", (".profile", ".bash_login"), [(".bashrc", "bash"), (".bash_login", "bash")]),
    ("/usr/local/bin/bash", (".profile", ".bash_profile", ".bash_login"), [(".bashrc", "bash"), (".bash_profile", "bash")]),
    ("/bin/sh", (), [(".profile", "sh")]),
    ("/bin/dash", (), [(".profile", "sh")]),
    ("/bin/ksh", (), [(".profile", "sh")]),
    ("/usr/bin/fish", (), []),
    ("/usr/sbin/nologin", (), []),
    ("", (), []),
])
def test_login_files_are_those_the_login_shell_reads(login_shell, existing, expected):
    assert paths(shell_init.login_files(login_shell, set(existing).__contains__)) == expected


PB = "export SF_DISABLE_MINICORE=true\n"
PB_BLOCKS = {"bash": PB, "zsh": PB, "sh": PB}
PB_WRAPPED = "# BEGIN rudderstack.profiles pb\n" + PB + "# END rudderstack.profiles pb\n"


def test_a_zsh_user_gets_zprofile_and_zshrc_and_no_bashrc():
    steps = shell_init.plan_for_login_shell("pb", "/bin/zsh", PB_BLOCKS, {"bash", "zsh"}.__contains__, files())
    assert actions(steps) == [(".zprofile", "add"), (".zshrc", "add")]
    assert all(s["after"] == PB_WRAPPED for s in steps)


def test_a_zsh_users_bashrc_from_an_earlier_run_loses_the_block():
    """zoe's ~/.bashrc: made by a run that wrote .bashrc and .zshrc for every user."""
    steps = shell_init.plan_for_login_shell(
        "pb", "/usr/bin/zsh", PB_BLOCKS, {"bash", "zsh"}.__contains__,
        files(bashrc=PB_WRAPPED, zshrc=PB_WRAPPED, profile=DEBIAN_BASHRC + PB_WRAPPED))
    assert actions(steps) == [(".zprofile", "add"), (".zshrc", "keep"), (".bashrc", "delete"), (".profile", "remove")]
    assert steps[2]["reason"] == "not read by the login shell /usr/bin/zsh"
    assert steps[3]["after"] == DEBIAN_BASHRC
    # Files of other shells without the block are not listed at all.
    steps = shell_init.plan_for_login_shell("pb", "/bin/zsh", PB_BLOCKS, {"zsh"}.__contains__,
                                            files(bashrc=DEBIAN_BASHRC))
    assert actions(steps) == [(".zprofile", "add"), (".zshrc", "add")]


def test_a_bash_user_gets_bashrc_and_the_existing_profile():
    debian_profile = "# ~/.profile: executed by the command interpreter for login shells.\n"
    steps = shell_init.plan_for_login_shell("pb", "/bin/bash", PB_BLOCKS, {"bash", "zsh"}.__contains__,
                                            files(bashrc=DEBIAN_BASHRC, profile=debian_profile))
    assert actions(steps) == [(".bashrc", "add"), (".profile", "add")]
    assert steps[1]["after"] == debian_profile + PB_WRAPPED
    # A rerun keeps both.
    again = shell_init.plan_for_login_shell("pb", "/bin/bash", PB_BLOCKS, {"bash"}.__contains__,
                                            files(bashrc=steps[0]["after"], profile=steps[1]["after"]))
    assert actions(again) == [(".bashrc", "keep"), (".profile", "keep")]


def test_pyenv_blocks_per_shell_and_the_users_own_init_still_wins():
    blocks = shell_init.pyenv_blocks("/Users/zoe/.pyenv", "/opt/homebrew/bin/pyenv")
    assert sorted(blocks) == ["bash", "sh", "zsh"]
    assert 'eval "$(/opt/homebrew/bin/pyenv init - zsh)"\n' in blocks["zsh"]
    steps = shell_init.plan_for_login_shell("pyenv", "/bin/zsh", blocks, {"zsh"}.__contains__,
                                            files(zshrc=PYENV_README_LINES.replace("bash", "zsh")),
                                            skip_if="pyenv init")
    assert actions(steps) == [(".zprofile", "skip"), (".zshrc", "skip")]


def test_login_shell_without_a_block_names_the_option():
    with pytest.raises(ShellInitError, match="blocks: no block for zsh"):
        shell_init.plan_for_login_shell("pb", "/bin/zsh", {"bash": PB}, {"zsh"}.__contains__, files())


def test_state_absent_for_the_login_shell_takes_out_every_block():
    steps = shell_init.plan_for_login_shell("pb", "/bin/zsh", None, {"zsh"}.__contains__,
                                            files(zshrc=PB_WRAPPED, bashrc=DEBIAN_BASHRC + PB_WRAPPED),
                                            state="absent")
    assert actions(steps) == [(".zprofile", "skip"), (".zshrc", "delete"), (".bashrc", "remove")]


# ---- new dotfiles are 0644 whatever the umask -------------------------------------------------

def real_atomic_move():
    """AnsibleModule.atomic_move, the move the module uses (it gives a new file 0666 & ~umask)."""
    import json
    from ansible.module_utils import basic
    saved = basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE
    basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": {"_ansible_remote_tmp": "/tmp",
                                                              "_ansible_keep_remote_files": False}}).encode()
    basic._ANSIBLE_PROFILE = "legacy"
    try:
        return basic.AnsibleModule(argument_spec={}).atomic_move
    finally:
        basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE = saved


@pytest.mark.parametrize("umask", [0o002, 0o077, 0o027])
def test_new_startup_files_are_0644_and_existing_ones_keep_their_mode(tmp_path, umask):
    import os
    import stat
    move = real_atomic_move()
    old = os.umask(umask)
    try:
        shell_init.write_startup_file(str(tmp_path / ".zprofile"), PB_WRAPPED, move_file=move)
        (tmp_path / ".zshrc").write_text("# mine\n")
        os.chmod(str(tmp_path / ".zshrc"), 0o600)
        shell_init.write_startup_file(str(tmp_path / ".zshrc"), "# mine\n" + PB_WRAPPED, move_file=move)
        shell_init.write_startup_file(str(tmp_path / ".config" / "zsh" / ".zshrc"), PB_WRAPPED, move_file=move)
    finally:
        assert os.umask(old) == umask   # put back as it was
    assert stat.S_IMODE((tmp_path / ".zprofile").stat().st_mode) == 0o644
    assert (tmp_path / ".zprofile").read_text() == PB_WRAPPED
    assert stat.S_IMODE((tmp_path / ".zshrc").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / ".config" / "zsh" / ".zshrc").stat().st_mode) == 0o644
    assert sorted(os.listdir(str(tmp_path))) == [".config", ".zprofile", ".zshrc"]   # no temporaries
