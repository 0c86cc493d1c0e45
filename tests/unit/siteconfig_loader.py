"""Import plugins/module_utils/siteconfig.py by path (it is plain Python, no collection needed)."""
import importlib.util
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "tests", "unit", "fixtures", "pb-siteconfig")


def load():
    path = os.path.join(REPO, "plugins", "module_utils", "siteconfig.py")
    spec = importlib.util.spec_from_file_location("rudderstack_profiles_siteconfig", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        return handle.read().decode("utf-8")
