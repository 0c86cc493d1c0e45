"""Prints the environment pb needs as shell ``export`` lines, for scripts that run pb:

    eval "$(python3 -m devtools.pb_env)"

The one definition is PB_ENV in plugins/module_utils/pb/cli.py (what the modules use, and what
the profiles_cli role reads through the pb_environment lookup); docs/pb-quirks.md says why."""
import shlex

from devtools.collection_path import load_plain


def pb_env():
    return dict(load_plain("pb/cli.py").PB_ENV)


if __name__ == "__main__":
    for name, value in sorted(pb_env().items()):
        print("export %s=%s" % (name, shlex.quote(value)))
