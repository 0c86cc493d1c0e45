#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0), a license
# compatible with the GNU General Public License version 3 that Ansible itself uses.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: profiles_shell_init
short_description: A marked block of shell code in the startup file of each shell a user has
version_added: 0.1.0
description:
  - Keeps one block of shell code, between C(# BEGIN rudderstack.profiles NAME) and
    C(# END rudderstack.profiles NAME), in the startup files of the user's shell. A file from an
    earlier run is updated in place, never given a second block.
  - By default the files are those the user's login shell (O(login_shell)) reads, so the code runs
    in every kind of session of that shell, interactive terminals and login shells that are not
    interactive (C(ssh host cmd), C(su - user -c cmd), C(zsh -lc cmd), cron jobs run through a login
    shell). As pyenv's README says to set up pyenv, that is C(~/.zprofile) and C(~/.zshrc) for
    zsh; C(~/.bashrc) and the profile bash reads as a login shell (the first of C(~/.bash_profile),
    C(~/.bash_login) and C(~/.profile) that exists; C(~/.profile) is created when none does) for
    bash; C(~/.profile) for sh, dash and ksh; nothing for other shells (fish, tcsh). A block an
    earlier run left in the startup file of another shell (for example C(~/.bashrc) of a zsh user)
    is taken out, and the file removed if it held nothing else.
  - With O(shells), exactly the files listed instead.
  - Only for shells installed on the host, so no C(~/.zshrc) is created where there is no zsh. A
    block left by an earlier run in the file of a shell that is not installed is taken out (and
    the file removed if it held nothing else).
  - With O(skip_if), a shell whose startup files already do what the block does (the expression
    matches a line outside the block, comments aside) gets no block, and loses one an earlier run
    added, so that nothing is initialised twice. For bash the files searched are C(.bashrc),
    C(.bash_profile), C(.bash_login) and C(.profile); for zsh C(.zshrc), C(.zprofile), C(.zshenv)
    and C(.zlogin); for other shells the listed file only.
  - Symlinked dotfiles are edited where they point and stay symlinks; an existing file keeps its
    mode and owner, a new one is created C(0644) whatever the umask; writes are atomic.
  - Run it as the user whose home it edits (C(become_user)), so new files are theirs.
  - Uses only portable Python (the C(pwd) module for the login shell), so it runs on macOS as on
    Linux.
author:
  - rudderstack.profiles contributors (@rudderlabs)
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  name:
    description: What the block is for; part of its markers, so one name means one block per file.
    type: str
    required: true
  home:
    description: The user's home; the files in O(shells) are relative to it.
    type: path
    required: true
  login_shell:
    description:
      - The user's login shell, a path or a name (C(/bin/zsh), C(zsh)); its startup files get the
        block (see the description). Ignored with O(shells).
      - Omitted, the login shell of the user the module runs as (the passwd database).
    type: str
  blocks:
    description:
      - The code, without markers, per kind of shell (keys C(bash), C(zsh), C(sh)) for the files of
        O(login_shell). Required with O(state=present) unless O(shells) is given; the login shell's
        kind must have a block.
    type: dict
  shells:
    description:
      - The shells and their startup files, instead of those of the login shell.
    type: list
    elements: dict
    suboptions:
      shell:
        description:
          - The shell's executable name, looked up on C(PATH) and in the usual directories.
          - Omitted, it follows from the file name (C(.bashrc), C(.bash_profile) and C(.bash_login)
            are bash's; C(.zshrc), C(.zprofile), C(.zshenv) and C(.zlogin) zsh's; C(.profile) is sh's).
        type: str
      file:
        description: Its startup file, relative to O(home).
        type: str
        required: true
      block:
        description: The code, without markers. Required with O(state=present).
        type: str
  skip_if:
    description:
      - A Python regular expression. A shell whose startup files have a non-comment line matching
        it, outside the block, is left alone (see the description).
    type: str
  state:
    description: C(present) keeps the blocks as described, C(absent) takes them out.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Put pb's environment in every session of the analyst's login shell
  rudderstack.profiles.profiles_shell_init:
    name: pb
    home: /Users/ana
    login_shell: /bin/zsh
    blocks:
      zsh: export SF_DISABLE_MINICORE=true
      bash: export SF_DISABLE_MINICORE=true
      sh: export SF_DISABLE_MINICORE=true
  become: true
  become_user: ana

- name: Initialise pyenv in bash and zsh, unless the user's dotfiles already do
  rudderstack.profiles.profiles_shell_init:
    name: pyenv
    home: /home/ana
    skip_if: 'pyenv init'
    shells:
      - shell: bash
        file: .bashrc
        block: |
          export PYENV_ROOT="$HOME/.pyenv"
          [ -d "$PYENV_ROOT/bin" ] && export PATH="$PYENV_ROOT/bin:$PATH"
          eval "$(pyenv init - bash)"
      - shell: zsh
        file: .zshrc
        block: |
          export PYENV_ROOT="$HOME/.pyenv"
          [ -d "$PYENV_ROOT/bin" ] && export PATH="$PYENV_ROOT/bin:$PATH"
          eval "$(pyenv init - zsh)"
  become: true
  become_user: ana

- name: Take the blocks out again
  rudderstack.profiles.profiles_shell_init:
    name: pyenv
    home: /home/ana
    state: absent
    shells:
      - {shell: bash, file: .bashrc}
      - {shell: zsh, file: .zshrc}
"""

RETURN = r"""
files:
  description: What was done to each listed file.
  returned: always
  type: list
  elements: dict
  contains:
    shell:
      description: The shell.
      type: str
      sample: zsh
    path:
      description: The file, absolute (a symlink's target when the file is a symlink).
      type: str
      sample: /home/ana/.zshrc
    action:
      description:
        - C(add) (file created or block appended), C(update) (block changed), C(remove) (block
          taken out), C(delete) (file removed, it held only the block), C(keep) (already right)
          or C(skip) (file not touched).
      type: str
      sample: skip
    reason:
      description: Why.
      type: str
      sample: zsh is not installed
  sample:
    - {shell: bash, path: /home/ana/.bashrc, action: add, reason: block added}
    - {shell: zsh, path: /home/ana/.zshrc, action: skip, reason: zsh is not installed}
"""

import os
import pwd

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import shell_init

# Where shells live when PATH (a non-login become session) does not say.
SHELL_DIRS = ["/bin", "/usr/bin", "/usr/local/bin", "/opt/homebrew/bin", "/opt/local/bin"]


def read_file(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "surrogateescape")
    except (IOError, OSError) as exc:
        if not os.path.exists(path):
            return None
        raise shell_init.ShellInitError("cannot read %s: %s" % (path, to_native(exc)))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            home=dict(type="path", required=True),
            login_shell=dict(type="str"),
            blocks=dict(type="dict"),
            shells=dict(type="list", elements="dict", options=dict(
                shell=dict(type="str"),
                file=dict(type="str", required=True),
                block=dict(type="str"),
            )),
            skip_if=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        mutually_exclusive=[("shells", "login_shell"), ("shells", "blocks")],
        supports_check_mode=True,
    )
    params = module.params
    home = params["home"]
    if not os.path.isdir(home):
        module.fail_json(msg="home: %s is not a directory" % home)

    def real(relative):
        # Symlinked dotfiles: the file they point at is the one edited.
        return os.path.realpath(os.path.join(home, relative))

    def is_installed(shell):
        return module.get_bin_path(shell, opt_dirs=SHELL_DIRS) is not None

    def read(relative):
        return read_file(real(relative))

    try:
        if params["shells"] is not None:
            steps = shell_init.plan(params["name"], params["shells"], is_installed, read,
                                    state=params["state"], skip_if=params["skip_if"])
        else:
            if params["state"] == "present" and not params["blocks"]:
                module.fail_json(msg="blocks is required with state=present unless shells is given: "
                                     "the code per shell kind (bash, zsh, sh)")
            login_shell = params["login_shell"] or pwd.getpwuid(os.geteuid()).pw_shell
            if not shell_init.shell_kind(login_shell):
                module.warn("login shell %s reads no POSIX startup file: add %s to its configuration "
                            "yourself" % (login_shell, params["name"]))
            steps = shell_init.plan_for_login_shell(
                params["name"], login_shell, dict((k, v) for k, v in (params["blocks"] or {}).items()),
                is_installed, read, state=params["state"], skip_if=params["skip_if"])
    except shell_init.ShellInitError as exc:
        module.fail_json(msg=to_native(exc))

    files, diffs, changed = [], [], False
    for step in steps:
        path = real(step["file"])
        files.append(dict(shell=step["shell"], path=path, action=step["action"], reason=step["reason"]))
        if step["action"] in ("keep", "skip"):
            continue
        changed = True
        diffs.append(dict(before_header=path, after_header=path,
                          before=step["before"] or "", after=step["after"] or ""))
        if module.check_mode:
            continue
        try:
            if step["action"] == "delete":
                os.unlink(path)
            else:
                shell_init.write_startup_file(path, step["after"], move_file=module.atomic_move)
        except (IOError, OSError) as exc:
            module.fail_json(msg="cannot write %s: %s" % (path, to_native(exc)), files=files)

    result = dict(changed=changed, files=files)
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
