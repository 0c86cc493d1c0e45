"""Prints the environment pb needs as shell ``export`` lines, for scripts that run pb:

    eval "$(python3 scripts/pb_env.py)"

The one definition is PB_ENV in plugins/module_utils/pb_cli.py (what the modules use, and what
the profiles_cli role reads through the pb_environment lookup), whose comment says why."""
import importlib.util
import os
import shlex

PB_CLI = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                      "plugins", "module_utils", "pb_cli.py")


def pb_env():
    spec = importlib.util.spec_from_file_location("pb_cli", PB_CLI)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # stdlib only: no Ansible needed
    return dict(module.PB_ENV)


if __name__ == "__main__":
    for name, value in sorted(pb_env().items()):
        print("export %s=%s" % (name, shlex.quote(value)))
