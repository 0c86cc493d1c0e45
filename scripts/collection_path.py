"""Makes this checkout importable as ansible_collections.rudderstack.profiles (as Ansible imports
it), for the scripts and the tests that run from a plain clone."""
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
