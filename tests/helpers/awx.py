"""Credentials delivered to a job the way AWX / Automation Platform delivers them, for tests that run
playbooks through ansible-runner as AWX does (tests/integration/awx/).

What AWX does with a credential of a custom type when it prepares a job's private data directory
(the controller's ``inject_credential``, in the awx-plugins package since AWX 24:
src/awx_plugins/interfaces/_temporary_private_inject_api.py; and the credential types
documentation, docs.ansible.com automation-controller "Custom Credential Types"), re-implemented:

- the inputs that are set (booleans always, unset booleans as false) form a Jinja namespace, with
  ``tower`` beside them; the templates render in Jinja's ImmutableSandboxedEnvironment, where an
  unset input renders empty;
- each ``file`` injector is rendered into a new file under ``<private data dir>/env/`` (mode
  0600); its path as the job's container sees it (the private data dir is mounted at /runner)
  is ``tower.filename`` for a single ``template``, ``tower.filename.<name>`` for
  ``template.<name>``;
- each ``env`` injector is rendered into the job's environment (ansible-runner's env/envvars),
  except the names AWX reserves for itself;
- the ``extra_vars`` injectors are rendered (nested values too) into a YAML file under env/
  (mode 0400), passed to ansible-playbook as ``-e @<path in the container>``.

The job's own variables (job template extra variables, survey answers) go into env/extravars;
AWX passes both to ansible-runner.
"""
import os
import re
import stat
import tempfile

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

CONTAINER_PRIVATE_DATA_DIR = "/runner"
# Environment variables a credential type cannot set (AWX sets them, or they would break the job).
ENV_BLOCKLIST = frozenset((
    "VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID",
    "INVENTORY_UPDATE_ID", "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES",
    "CALLBACK_QUEUE", "CALLBACK_CONNECTION", "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS",
    "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH"))
# Names of environment variables AWX hides in what it stores of a job's environment.
SENSITIVE_ENV = re.compile("API|TOKEN|KEY|SECRET|PASS", re.I)


class Tower:
    """The ``tower`` of the injector templates."""

    def __init__(self):
        self.filename = None


class Files:
    """``tower.filename`` when a type writes several files: one attribute per ``template.<name>``."""

    def __init__(self, paths):
        self.__dict__.update(paths)


def namespace(credential_type, inputs):
    """The Jinja namespace of a credential's inputs, as AWX builds it."""
    ns = {"tower": Tower()}
    for name, value in inputs.items():
        if isinstance(value, bool) or value:
            ns[name] = value
    for field in credential_type["inputs"].get("fields", []):
        if field.get("type") == "boolean" and field["id"] not in inputs:
            ns[field["id"]] = False
        if field.get("format") == "ssh_private_key" and field["id"] in ns and not str(ns[field["id"]]).endswith("\n"):
            ns[field["id"]] = str(ns[field["id"]]) + "\n"
    return ns


def _in_container(path, private_data_dir, root):
    return os.path.join(root, os.path.relpath(path, private_data_dir))


def _render_tree(sandbox, ns, node):
    if isinstance(node, dict):
        return dict((str(_render_tree(sandbox, ns, k)), _render_tree(sandbox, ns, v)) for k, v in node.items())
    if isinstance(node, list):
        return [_render_tree(sandbox, ns, item) for item in node]
    return sandbox.from_string(node).render(**ns)


def inject(credential_type, inputs, private_data_dir, root=CONTAINER_PRIVATE_DATA_DIR):
    """Renders one credential into ``private_data_dir`` (env/ is created); returns (env,
    cmdline_args): the environment variables and the ansible-playbook arguments it adds. Paths
    are given as the job sees them, the private data dir mounted at ``root`` (a test that runs
    nothing in a container passes ``private_data_dir`` itself)."""
    env_dir = os.path.join(private_data_dir, "env")
    os.makedirs(env_dir, exist_ok=True)
    injectors = credential_type.get("injectors") or {}
    sandbox = ImmutableSandboxedEnvironment()
    ns = namespace(credential_type, inputs)

    single, several = None, {}
    for label, template in (injectors.get("file") or {}).items():
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, "w") as out:
            out.write(sandbox.from_string(template).render(**ns))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        if "." in label:
            several[label.split(".", 1)[1]] = _in_container(path, private_data_dir, root)
        else:
            single = _in_container(path, private_data_dir, root)
    ns["tower"].filename = single or Files(several)

    env = {}
    for name, template in (injectors.get("env") or {}).items():
        if name not in ENV_BLOCKLIST:
            env[name] = sandbox.from_string(template).render(**ns)

    args = []
    extra_vars = _render_tree(sandbox, ns, injectors.get("extra_vars") or {})
    if extra_vars:
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, "w") as out:
            out.write(yaml.safe_dump(extra_vars))
        os.chmod(path, stat.S_IRUSR)
        args = ["-e", "@" + _in_container(path, private_data_dir, root)]
    return env, args


def secret_values(credential_type, inputs):
    """The values of the credential's secret inputs (what must never show in a job's output)."""
    return [inputs[f["id"]] for f in credential_type["inputs"].get("fields", [])
            if f.get("secret") and inputs.get(f["id"])]


def _write_private(private_data_dir, name, text):
    """Writes ``env/<name>`` of the private data directory, readable by its owner only (0600)."""
    path = os.path.join(private_data_dir, "env", name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        out.write(text)


def machine(private_data_dir, username, ssh_key_data, become_method="sudo"):
    """A Machine credential (AWX's built-in ``ssh`` kind) as AWX hands it to ansible-runner
    (awx/main/tasks/jobs.py, ``build_private_data_files`` and ``RunJob.build_args``): the private
    key in ``env/ssh_key`` (AWX writes it into a named pipe; a file is read the same way), which
    ansible-runner loads into an ssh-agent around ansible-playbook, and the login user and
    become method on the command line. Returns those arguments."""
    # ssh-add refuses an OpenSSH key without its final newline; AWX adds it too.
    _write_private(private_data_dir, "ssh_key", ssh_key_data if ssh_key_data.endswith("\n") else ssh_key_data + "\n")
    return ["-u", username, "--become-method", become_method]


# The prompt AWX answers for a Vault credential without a vault id (RunJob.get_password_prompts).
VAULT_PROMPT = r"Vault password:\s*?$"


def vault(private_data_dir, password):
    """A Vault credential as AWX hands it to ansible-runner: ansible-playbook is asked for the
    password (``--ask-vault-pass``) and ansible-runner answers the prompt from ``env/passwords``.
    Returns the argument."""
    path = os.path.join(private_data_dir, "env", "passwords")
    passwords = {}
    if os.path.exists(path):
        with open(path) as handle:
            passwords = yaml.safe_load(handle) or {}
    passwords[VAULT_PROMPT] = password
    _write_private(private_data_dir, "passwords", yaml.safe_dump(passwords))
    return ["--ask-vault-pass"]
