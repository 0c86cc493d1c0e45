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
