# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Marked blocks of shell code in a user's startup files (``~/.bashrc``, ``~/.zshrc``).

Plain Python (no Ansible imports) so unit tests call it directly. The rules:

- one block per name and file, between ``# BEGIN rudderstack.profiles NAME`` and
  ``# END rudderstack.profiles NAME`` (the markers ``ansible.builtin.blockinfile`` wrote before
  this existed, so files from earlier runs are updated in place, not duplicated);
- only for shells installed on the host: no ``~/.zshrc`` where there is no zsh;
- not where the user's own startup files already do it (``skip_if`` matches outside the block):
  the block is then left out, and taken out if an earlier run added it, so nothing runs twice.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

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


def shell_for_file(path):
    """The shell whose startup file ``path`` is (by its name), or None."""
    return FILE_SHELLS.get(path.rstrip("/").rsplit("/", 1)[-1])


def pyenv_entries(files, root, pyenv):
    """The pyenv role's ``shells`` for ``plan``: for each ``{path, shell}`` of ``files``, the block
    that sets PYENV_ROOT, puts pyenv on PATH and runs ``init`` for that shell, ``pyenv`` being the
    command to call (``pyenv`` itself for a checkout, Homebrew's full path otherwise)."""
    return [{
        "shell": entry["shell"],
        "file": entry["path"],
        "block": ('export PYENV_ROOT="%s"\n'
                  '[ -d "$PYENV_ROOT/bin" ] && export PATH="$PYENV_ROOT/bin:$PATH"\n'
                  'eval "$(%s init - %s)"\n'
                  'eval "$(pyenv virtualenv-init -)"\n') % (root, pyenv, entry["shell"]),
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
        if state == "present" and block is None:
            raise ShellInitError("shells: %s (%s) has no block" % (shell, path))
        before = read(path)
        has_block = before is not None and find_block(before.splitlines(True), name) is not None
        item = {"shell": shell, "file": path, "before": before, "after": before}

        if state == "absent":
            reason = "state=absent"
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
