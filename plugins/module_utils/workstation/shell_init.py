# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Marked blocks of shell code in a user's startup files (``~/.bashrc``, ``~/.zshrc``).

Plain Python (no Ansible imports) so unit tests call it directly. The rules:

- the files are those the user's login shell reads, interactive and login alike, as pyenv's
  README ("Set up your shell environment for Pyenv") says to initialise it (``login_files``):
  zsh ``~/.zprofile`` and ``~/.zshrc``; bash ``~/.bashrc`` and the one profile bash reads as a
  login shell (``~/.bash_profile``, ``~/.bash_login`` or ``~/.profile``, whichever exists first;
  ``~/.profile`` is created when none does); sh, dash and ksh ``~/.profile``. Other shells' files
  get nothing, and lose a block an earlier run put there (``plan_for_login_shell``). A caller may
  list the files itself instead (``plan``);

- one block per name and file, between ``# BEGIN rudderstack.profiles NAME`` and
  ``# END rudderstack.profiles NAME`` (the markers ``ansible.builtin.blockinfile`` wrote before
  this existed, so files from earlier runs are updated in place, not duplicated);
- only for shells installed on the host: no ``~/.zshrc`` where there is no zsh;
- not where the user's own startup files already do it (``skip_if`` matches outside the block):
  the block is then left out, and taken out if an earlier run added it, so nothing runs twice.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.rudderstack.profiles.plugins.module_utils import atomic_write

MARKER = "# {mark} rudderstack.profiles {name}"

# The files each shell reads at start (interactive or login), relative to the home: where a
# user's own init may already be.
STARTUP_FILES = {
    "bash": (".bashrc", ".bash_profile", ".bash_login", ".profile"),
    "zsh": (".zshrc", ".zprofile", ".zshenv", ".zlogin"),
    "sh": (".profile",),
}


class ShellInitError(Exception):
    """Bad input, named after the option to change."""


# Which shell a startup file belongs to, by its name (.profile: any POSIX shell, sh for short).
FILE_SHELLS = {
    ".bashrc": "bash", ".bash_profile": "bash", ".bash_login": "bash",
    ".zshrc": "zsh", ".zprofile": "zsh", ".zshenv": "zsh", ".zlogin": "zsh",
    ".profile": "sh",
}


# Login shells that read ~/.profile and run POSIX sh code: the "sh" kind.
SH_LIKE = ("sh", "dash", "ash", "ksh", "ksh93", "mksh", "pdksh", "posh", "yash")
# The profiles bash reads as a login shell: the first of these that exists (bash(1), INVOCATION).
BASH_LOGIN_FILES = (".bash_profile", ".bash_login", ".profile")


def shell_kind(login_shell):
    """``bash``, ``zsh`` or ``sh`` (a POSIX shell reading ~/.profile) for a login shell given as a
    path or name (``/bin/zsh``, ``-zsh``, ``/opt/homebrew/bin/bash``), None for any other (fish,
    tcsh, nologin, empty)."""
    name = (login_shell or "").rstrip("/").rsplit("/", 1)[-1].lstrip("-")
    if name in ("bash", "zsh"):
        return name
    if name in SH_LIKE:
        return "sh"
    return None


def login_files(login_shell, exists):
    """The startup files (``{path, shell}``, relative to the home) that make a tool available in
    every kind of session of ``login_shell``: interactive (a terminal), login (``ssh host cmd``,
    ``su - user -c``, ``zsh -lc``) and both. ``exists``: function(relative path) -> bool.

    zsh reads ~/.zshrc for interactive shells only and ~/.zprofile for login shells; bash reads
    ~/.bashrc for interactive non-login shells and, as a login shell, only the first of
    ~/.bash_profile, ~/.bash_login, ~/.profile (Debian's ~/.profile sources ~/.bashrc, whose
    skeleton returns early when not interactive). Empty for shells without POSIX startup files."""
    kind = shell_kind(login_shell)
    if kind == "zsh":
        return [{"path": ".zprofile", "shell": "zsh"}, {"path": ".zshrc", "shell": "zsh"}]
    if kind == "bash":
        login = next((name for name in BASH_LOGIN_FILES if exists(name)), ".profile")
        return [{"path": ".bashrc", "shell": "bash"}, {"path": login, "shell": "bash"}]
    if kind == "sh":
        return [{"path": ".profile", "shell": "sh"}]
    return []


def shell_for_file(path):
    """The shell whose startup file ``path`` is (by its name), or None."""
    return FILE_SHELLS.get(path.rstrip("/").rsplit("/", 1)[-1])


def pyenv_block(root, pyenv, shell):
    """pyenv's init for ``shell``: PYENV_ROOT, pyenv on PATH, ``init`` and the virtualenv plugin's
    init (``pyenv`` being the command to call: ``pyenv`` itself for a checkout, Homebrew's full
    path otherwise). POSIX sh syntax, so the same text serves ~/.profile."""
    return ('export PYENV_ROOT="%s"\n'
            '[ -d "$PYENV_ROOT/bin" ] && export PATH="$PYENV_ROOT/bin:$PATH"\n'
            'eval "$(%s init - %s)"\n'
            'eval "$(pyenv virtualenv-init -)"\n') % (root, pyenv, shell)


def pyenv_blocks(root, pyenv):
    """The ``blocks`` of ``plan_for_login_shell`` for pyenv: one per shell kind."""
    return dict((shell, pyenv_block(root, pyenv, shell)) for shell in ("bash", "zsh", "sh"))


def pyenv_entries(files, root, pyenv):
    """The pyenv role's ``shells`` for ``plan``: for each ``{path, shell}`` of ``files``, the block
    that sets PYENV_ROOT, puts pyenv on PATH and runs ``init`` for that shell, ``pyenv`` being the
    command to call (``pyenv`` itself for a checkout, Homebrew's full path otherwise)."""
    return [{
        "shell": entry["shell"],
        "file": entry["path"],
        "block": pyenv_block(root, pyenv, entry["shell"]),
    } for entry in files]


def markers(name):
    return MARKER.format(mark="BEGIN", name=name), MARKER.format(mark="END", name=name)


def find_block(lines, name):
    """(begin, end) indexes of the first marked block in ``lines``, or None. A block is an END
    marker and the nearest BEGIN marker above it; a stray marker of either kind is user text."""
    begin_marker, end_marker = markers(name)
    begin = None
    for index, line in enumerate(lines):
        line = line.rstrip("\r\n")
        if line == begin_marker:
            begin = index
        elif line == end_marker and begin is not None:
            return begin, index
    return None


def remove_block(text, name):
    """``text`` without any marked block ``name`` (all of them, should a file hold several)."""
    lines = text.splitlines(True)
    found = find_block(lines, name)
    while found:
        begin, end = found
        lines[begin:end + 1] = []
        found = find_block(lines, name)
    return "".join(lines)


def render_block(name, block):
    begin_marker, end_marker = markers(name)
    body = block if block.endswith("\n") or not block else block + "\n"
    return begin_marker + "\n" + body + end_marker + "\n"


def put_block(text, name, block):
    """``text`` with exactly one block ``name`` holding ``block``: replaced where the first one
    is, or appended at the end."""
    rendered = render_block(name, block)
    lines = text.splitlines(True)
    found = find_block(lines, name)
    if found:
        begin, end = found
        head = "".join(lines[:begin])
        tail = remove_block("".join(lines[end + 1:]), name)
        return head + rendered + tail
    if text and not text.endswith("\n"):
        text += "\n"
    return text + rendered


def initialised_elsewhere(texts, name, pattern):
    """True if ``pattern`` (a regular expression) matches a line of ``texts`` outside the
    marked blocks ``name``; comment lines do not count."""
    if not pattern:
        return False
    regex = re.compile(pattern)
    for text in texts:
        if text is None:
            continue
        for line in remove_block(text, name).splitlines():
            if line.lstrip().startswith("#"):
                continue
            if regex.search(line):
                return True
    return False


def plan(name, shells, is_installed, read, state="present", skip_if=None):
    """What to do with each shell's startup file.

    ``shells``: list of dicts ``{shell, file, block}`` (file relative to the home).
    ``is_installed``: function(shell name) -> whether that shell is on the host.
    ``read``: function(relative path) -> file text, or None if the file does not exist.
    Returns a list of dicts ``{shell, file, action, reason, before, after}`` where ``action`` is
    ``add``, ``update``, ``remove`` (the block), ``delete`` (the file, which held only the
    block), ``keep`` (already right) or ``skip`` (file left alone); ``after`` is the text to
    write for add/update/remove, None for delete.
    """
    if state not in ("present", "absent"):
        raise ShellInitError("state must be present or absent, got %r" % (state,))
    if skip_if:
        try:
            re.compile(skip_if)
        except re.error as exc:
            raise ShellInitError("skip_if is not a valid regular expression: %s" % exc)
    seen = set()
    result = []
    for entry in shells:
        path, block = entry.get("file"), entry.get("block")
        if not path:
            raise ShellInitError("each item of shells needs a file, got %r" % (entry,))
        shell = entry.get("shell") or shell_for_file(path)
        if not shell:
            raise ShellInitError("shells: set shell for %s (its name does not say which shell "
                                 "reads it)" % path)
        if path in seen:
            raise ShellInitError("shells: file %s is listed twice" % path)
        seen.add(path)
        entry_state = entry.get("state") or state
        if entry_state == "present" and block is None:
            raise ShellInitError("shells: %s (%s) has no block" % (shell, path))
        before = read(path)
        has_block = before is not None and find_block(before.splitlines(True), name) is not None
        item = {"shell": shell, "file": path, "before": before, "after": before}

        if entry_state == "absent":
            reason = entry.get("reason") or "state=absent"
        elif skip_if and initialised_elsewhere(
                [read(other) if other != path else before for other in _startup_files(shell, path)],
                name, skip_if):
            reason = "the user's startup files already do this (skip_if matched)"
        elif not is_installed(shell):
            reason = "%s is not installed" % shell
        else:
            reason = None
        if reason and has_block:
            after = remove_block(before, name)
            # A file that held nothing but the block was made for it: it goes with it.
            item.update(action="remove" if after.strip() else "delete", reason=reason,
                        after=after if after.strip() else None)
        elif reason:
            item.update(action="skip", reason=reason)
        else:
            after = put_block(before or "", name, block)
            if after == before:
                item.update(action="keep", reason="block up to date")
            else:
                item.update(action="update" if has_block else "add", after=after,
                            reason="block changed" if has_block else "block added")
        result.append(item)
    return result


def _startup_files(shell, path):
    files = [path]
    for other in STARTUP_FILES.get(shell, ()):
        if other not in files:
            files.append(other)
    return files


# Every file a block may have been put in for some shell: a file the login shell does not read
# loses the block (a zsh user's ~/.bashrc from a run before login shells were followed).
KNOWN_FILES = (".bashrc", ".bash_profile", ".bash_login", ".profile", ".zshrc", ".zprofile",
               ".zlogin", ".zshenv")


def plan_for_login_shell(name, login_shell, blocks, is_installed, read, state="present", skip_if=None):
    """``plan`` for the files ``login_shell`` reads (``login_files``), ``blocks`` holding the code
    per shell kind (``{"bash": ..., "zsh": ..., "sh": ...}``). A block of ``name`` in any other
    startup file (``KNOWN_FILES``) is taken out, the file removed if it held nothing else.
    Returns the steps of ``plan``; files with nothing to do that are not the login shell's are left
    out."""
    kind = shell_kind(login_shell)
    files = login_files(login_shell, lambda path: read(path) is not None)
    blocks = blocks or {}
    if state == "present" and kind and kind not in blocks:
        raise ShellInitError("blocks: no block for %s (the login shell %s); give one per shell kind "
                             "(bash, zsh, sh)" % (kind, login_shell))
    entries = [{"shell": f["shell"], "file": f["path"], "block": blocks.get(f["shell"])} for f in files]
    chosen = set(f["path"] for f in files)
    reason = "not read by the login shell %s" % (login_shell or "(none)")
    for other in KNOWN_FILES:
        text = None if other in chosen else read(other)
        if text is not None and find_block(text.splitlines(True), name) is not None:
            entries.append({"shell": shell_for_file(other), "file": other, "state": "absent", "reason": reason})
    return plan(name, entries, is_installed, read, state=state, skip_if=skip_if)


def write_startup_file(path, text, move_file=os.rename):
    """Write ``text`` to ``path`` atomically (``atomic_write``): an existing file keeps its mode,
    a new one is 0644 whatever the umask (``move_file`` is AnsibleModule.atomic_move in the
    module, which on its own gives a new file ``0666 & ~umask``: 0664 under a umask of 002)."""
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory)
    atomic_write.write_atomic(path, text.encode("utf-8", "surrogateescape"), move_file=move_file)
