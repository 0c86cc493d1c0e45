"""Makes this checkout importable as ansible_collections.rudderstack.profiles (as Ansible imports
it), for the tools and the tests that run from a plain clone; loads a stdlib-only module_utils file
where Ansible is not installed (scripts/setup.sh --onboard runs before the tool venv exists)."""
import importlib.util
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_importable():
    """Put a collections root whose rudderstack.profiles is this checkout on sys.path (once)."""
    if importlib.util.find_spec("ansible_collections") is not None:
        try:
            if importlib.util.find_spec("ansible_collections.rudderstack.profiles") is not None:
                return
        except ImportError:
            pass
    root = tempfile.mkdtemp(prefix="collection-ns-")
    os.makedirs(os.path.join(root, "ansible_collections", "rudderstack"))
    os.symlink(REPO, os.path.join(root, "ansible_collections", "rudderstack", "profiles"))
    sys.path.insert(0, root)


def load_plain(relpath):
    """The module_utils file ``relpath`` (e.g. ``pb/cli.py``) loaded on its own: for files that
    import nothing but the standard library and plain module_utils (the warehouse catalogue),
    where Ansible may not be installed."""
    make_importable()
    path = os.path.join(REPO, "plugins", "module_utils", relpath)
    name = "module_utils_" + relpath[:-3].replace("/", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
