"""Nothing Linux-only runs on a workstation (docs/platforms.md).

Workstations are macOS laptops (BSD userland, no ``getent``, GNU-only flags fail), Linux laptops
and CI runners. This test lists every step the workstation roles run there, from their task files
(block/rescue/always included) and templates, and the Python of every collection module those
steps call (with the module_utils they import), and checks them:

- every module is classified in MODULES: portable, or for one OS family (then its task's ``when``
  names that family), or refused (``ansible.builtin.unarchive`` needs GNU tar);
- command lines (argv, templates' shell code, argument lists in the modules' Python) use no
  Linux-only tool or GNU-only flag (LINUX_ONLY);
- the modules' Python imports no Linux-only standard module and uses no Linux-only ``os`` call.

The roles are those the playbooks' plays on profiles_workstations run (and the roles they import);
the admin play's role (warehouse_grants) runs on the controller, not on workstations."""
import ast
import glob
import os
import re

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Modules the workstation roles may use. "portable": pure Python or POSIX tools present on macOS and
# Linux. A family: only in tasks whose `when` requires that os_family.
PORTABLE = "portable"
MODULES = {
    "ansible.builtin.assert": PORTABLE, "ansible.builtin.command": PORTABLE,
    "ansible.builtin.debug": PORTABLE, "ansible.builtin.fail": PORTABLE,
    "ansible.builtin.fetch": PORTABLE, "ansible.builtin.file": PORTABLE,
    "ansible.builtin.copy": PORTABLE, "ansible.builtin.git": PORTABLE,
    "ansible.builtin.import_role": PORTABLE, "ansible.builtin.import_tasks": PORTABLE,
    "ansible.builtin.include_tasks": PORTABLE, "ansible.builtin.include_vars": PORTABLE,
    "ansible.builtin.pip": PORTABLE, "ansible.builtin.set_fact": PORTABLE,
    "ansible.builtin.setup": PORTABLE, "ansible.builtin.stat": PORTABLE,
    "ansible.builtin.template": PORTABLE, "ansible.builtin.slurp": PORTABLE,
    "community.general.archive": PORTABLE,   # Python's tarfile
    "ansible.builtin.include_role": PORTABLE, "ansible.builtin.set_stats": PORTABLE,
    "ansible.builtin.meta": PORTABLE,
    "ansible.builtin.apt": "Debian", "ansible.builtin.dnf": "RedHat",
    "community.general.homebrew": "Darwin",
}
# Refused, with the reason (the test names it when a task uses one).
REFUSED = {
    "ansible.builtin.unarchive": "needs GNU tar ('GNU tar required' with macOS's bsdtar): use "
                                 "`tar -xzf ARCHIVE -C DIR`, which both understand",
    "ansible.builtin.shell": "shell code per task hides what runs: use command with argv",
    "ansible.builtin.user": "accounts are looked up with profiles_user_info (pwd), never changed",
    "ansible.builtin.getent": "getent does not exist on macOS: profiles_user_info (pwd)",
}
LINUX_ONLY = [
    (r"\bgetent\b", "getent (no such command on macOS; Python's pwd module answers everywhere)"),
    (r"\bstat\s+(-c|--format|--printf)\b", "GNU stat -c (BSD stat uses -f)"),
    (r"\bsed\b[^|;&]*\s-i(\s|$)", "sed -i without a suffix (BSD sed takes the next word as the suffix)"),
    (r"\breadlink\s+-f\b", "readlink -f (macOS before 12.3 has none)"),
    (r"\brunuser\b", "runuser (util-linux only)"),
    (r"(^|[\s\"'=])/proc(/|\b)", "/proc (Linux only)"),
    (r"--follow-symlinks\b", "GNU-only long option"),
    (r"\bdate\s+-d\b", "GNU date -d"),
    (r"\bfind\b.*\s-printf\b", "GNU find -printf"),
    (r"\bxargs\s+-r\b", "GNU xargs -r"),
    (r"\bgrep\s+-[a-zA-Z]*P", "GNU grep -P"),
]
# Commands (the first word of an argv) macOS does not have.
LINUX_ONLY_COMMANDS = {"getent", "runuser", "sha256sum", "nproc", "timeout", "useradd", "usermod",
                       "systemctl", "update-alternatives", "apt-get", "dpkg", "ldd", "setpriv", "unshare"}
LINUX_ONLY_IMPORTS = {"spwd", "crypt"}
LINUX_ONLY_OS_CALLS = {"sched_getaffinity", "sched_setaffinity", "memfd_create", "pipe2", "O_PATH",
                       "O_TMPFILE", "getxattr", "setxattr", "listxattr", "removexattr",
                       "posix_fadvise", "eventfd", "pidfd_open", "splice"}


def linux_only(text):
    return [why for pattern, why in LINUX_ONLY if re.search(pattern, text)]


def linux_only_argv(argv):
    """linux_only of the joined command line, and whether its command exists on macOS."""
    found = linux_only(" ".join(argv))
    if argv and os.path.basename(argv[0]) in LINUX_ONLY_COMMANDS:
        found.append("%s is not a macOS command" % argv[0])
    return found


# ---- the steps --------------------------------------------------------------------------------

TASK_KEYS = {"name", "when", "become", "become_user", "become_method", "register", "vars", "loop",
             "loop_control", "tags", "environment", "changed_when", "failed_when", "check_mode",
             "ignore_errors", "no_log", "async", "poll", "timeout", "until", "retries", "delay",
             "notify", "delegate_to", "run_once", "args", "block", "rescue", "always", "listen",
             "diff", "any_errors_fatal", "throttle"}


def walk(tasks, path, inherited_when=()):
    for task in tasks or []:
        when = list(inherited_when) + (task.get("when") if isinstance(task.get("when"), list)
                                       else [task["when"]] if "when" in task else [])
        if "block" in task:
            for part in ("block", "rescue", "always"):
                yield from walk(task.get(part), path, when)
            continue
        modules = [k for k in task if k not in TASK_KEYS]
        assert len(modules) == 1, "%s: cannot tell the module of %r" % (path, task.get("name"))
        yield {"file": os.path.relpath(path, ROOT), "name": task.get("name", ""), "module": modules[0],
               "args": task[modules[0]], "when": [str(w) for w in when], "become": task.get("become")}


ROLE_MODULES = ("ansible.builtin.import_role", "ansible.builtin.include_role")


def roles_called(steps):
    return set(s["args"]["name"].split(".")[-1] for s in steps if s["module"] in ROLE_MODULES)


def workstation_steps():
    """The steps of every play on profiles_workstations in playbooks/ (onboard.yml, audit.yml),
    and of every role they run, and the roles those import (profiles_preamble), to the end."""
    steps, roles = [], set()
    for path in sorted(glob.glob(os.path.join(ROOT, "playbooks", "*.yml"))):
        with open(path) as handle:
            plays = yaml.safe_load(handle)
        if not isinstance(plays, list):   # inventories
            continue
        for play in plays:
            if play.get("hosts") != "profiles_workstations":
                continue
            roles |= set((r["role"] if isinstance(r, dict) else r).split(".")[-1] for r in play.get("roles", []))
            for section in ("pre_tasks", "tasks", "post_tasks"):
                steps.extend(walk(play.get(section), path))
    roles |= roles_called(steps)
    done = set()
    while roles - done:
        role = sorted(roles - done)[0]
        done.add(role)
        for path in sorted(glob.glob(os.path.join(ROOT, "roles", role, "tasks", "*.yml"))):
            with open(path) as handle:
                found = list(walk(yaml.safe_load(handle), path))
            steps.extend(found)
            roles |= roles_called(found)
    return steps, done


STEPS, WORKSTATION_ROLES = workstation_steps()


def command_argv(step):
    args = step["args"]
    if isinstance(args, dict) and args.get("argv"):
        return [str(a) for a in args["argv"]]
    return str(args.get("cmd", "") if isinstance(args, dict) else args).split()


def command_line(step):
    return " ".join(command_argv(step))


def test_the_listing_finds_the_steps():
    """The parser sees the roles' steps (a listing that found nothing would pass everything)."""
    assert len(STEPS) > 60
    assert {"profiles_preamble", "pyenv", "profiles_cli", "profiles_connection", "profiles_project",
            "profiles_verify"} <= WORKSTATION_ROLES
    assert "warehouse_grants" not in WORKSTATION_ROLES   # the admin play's
    modules = set(s["module"] for s in STEPS)
    assert {"ansible.builtin.command", "community.general.homebrew", "ansible.builtin.dnf",
            "rudderstack.profiles.profiles_shell_init", "rudderstack.profiles.profiles_user_info"} <= modules
    commands = [command_line(s) for s in STEPS if s["module"] == "ansible.builtin.command"]
    assert any(c.startswith("mkdir -p -m 0700") for c in commands), commands
    assert any(" version" in c and "/bin/pb" in c for c in commands), commands


@pytest.mark.parametrize("step", STEPS, ids=lambda s: "%s:%s" % (s["file"], s["name"][:50]))
def test_each_step_runs_on_macos_and_linux(step):
    module = step["module"]
    assert module not in REFUSED, "%s (%s) uses %s: %s" % (step["file"], step["name"], module, REFUSED[module])
    if module.startswith("rudderstack.profiles."):
        assert module.split(".")[-1] in collection_modules()
        return
    assert module in MODULES, ("%s (%s): %s is not classified in MODULES; add it as portable only if "
                               "it runs on macOS's BSD userland" % (step["file"], step["name"], module))
    family = MODULES[module]
    if family != PORTABLE:
        assert any("os_family" in w and family in w for w in step["when"]), (
            "%s (%s): %s runs only on %s; its when must say so" % (step["file"], step["name"], module, family))
    if module == "community.general.homebrew":
        assert not step["become"], "Homebrew refuses to run as root: no become for %s" % step["name"]
    if module == "ansible.builtin.command":
        assert not linux_only_argv(command_argv(step)), (step["file"], step["name"], command_line(step))


TEMPLATES = sorted(glob.glob(os.path.join(ROOT, "roles", "*", "templates", "*.j2")))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: os.path.relpath(p, ROOT))
def test_templates_shell_code_is_portable(path):
    with open(path) as handle:
        lines = [line.strip() for line in handle.read().splitlines() if not line.lstrip().startswith("#")]
    problems = [(line, why) for line in lines for why in linux_only_argv(line.split())]
    assert not problems, (path, problems)


# ---- the Python the steps run -------------------------------------------------------------------

def collection_modules():
    return set(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py")))


UTILS_PREFIX = "ansible_collections.rudderstack.profiles.plugins.module_utils"


def module_utils_imported(path, seen):
    with open(path) as handle:
        tree = ast.parse(handle.read())
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(UTILS_PREFIX):
            base = node.module[len(UTILS_PREFIX):].strip(".").split(".") if node.module != UTILS_PREFIX else []
            names = [base + [alias.name] for alias in node.names] + [base]
        for parts in names:
            for candidate in (os.path.join(ROOT, "plugins", "module_utils", *parts) + ".py",
                              os.path.join(ROOT, "plugins", "module_utils", *parts, "__init__.py")):
                if os.path.isfile(candidate) and candidate not in seen:
                    seen.add(candidate)
                    module_utils_imported(candidate, seen)
    return seen


def workstation_python():
    used = sorted(set(s["module"].split(".")[-1] for s in STEPS if s["module"].startswith("rudderstack.profiles.")))
    files = set()
    for name in used:
        path = os.path.join(ROOT, "plugins", "modules", name + ".py")
        files.add(path)
        module_utils_imported(path, files)
    return sorted(files)


PYTHON = workstation_python()


def test_the_python_listing_covers_the_modules_and_their_utils():
    names = [os.path.relpath(p, ROOT) for p in PYTHON]
    for expected in ("plugins/modules/profiles_user_info.py", "plugins/modules/profiles_shell_init.py",
                     "plugins/module_utils/workstation/accounts.py", "plugins/module_utils/atomic_write.py",
                     "plugins/module_utils/pb/cli.py", "plugins/module_utils/workstation/pyenv.py"):
        assert expected in names, names
    assert "plugins/modules/profiles_grants.py" not in names   # the admin play's


def code_strings(tree):
    """String constants that are code, not documentation: docstrings and DOCUMENTATION / EXAMPLES /
    RETURN are left out; a list of strings counts as one command line."""
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docs.add(id(first.value))
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in ("DOCUMENTATION", "EXAMPLES", "RETURN")
                                                for t in node.targets):
            docs.add(id(node.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.List) and node.elts and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            yield [e.value for e in node.elts]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node.value


@pytest.mark.parametrize("path", PYTHON, ids=lambda p: os.path.relpath(p, ROOT))
def test_workstation_python_is_portable(path):
    with open(path) as handle:
        tree = ast.parse(handle.read())
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            problems += ["import %s" % a.name for a in node.names if a.name.split(".")[0] in LINUX_ONLY_IMPORTS]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in LINUX_ONLY_IMPORTS:
            problems.append("from %s import" % node.module)
        elif isinstance(node, ast.Attribute) and node.attr in LINUX_ONLY_OS_CALLS:
            problems.append("os.%s (Linux only)" % node.attr)
    for text in code_strings(tree):
        found = linux_only_argv(text) if isinstance(text, list) else linux_only(text)
        problems += ["%r: %s" % (str(text)[:60], why) for why in found]
    assert not problems, (os.path.relpath(path, ROOT), problems)


@pytest.mark.parametrize("text, why", [
    ("getent passwd ana", "getent"), ("stat -c %U /x", "GNU stat"), ("sed -i s/a/b/ f", "sed -i"),
    ("readlink -f x", "readlink -f"), ("runuser -u ana id", "runuser"), ("cat /proc/cpuinfo", "/proc"),
    ("timeout 300 pb run", "timeout"), ("getent", "getent alone"),
])
def test_the_denylist_catches_what_the_issue_names(text, why):
    assert linux_only(text) or linux_only_argv(text.split()), why
    assert not linux_only("sed -i.bak s/a/b/ f") and not linux_only("mkdir -p -m 0700 d")
