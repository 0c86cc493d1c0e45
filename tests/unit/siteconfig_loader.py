"""plugins/module_utils/pb/siteconfig/document.py and the recorded pb siteconfig files."""
import os

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.siteconfig import document as siteconfig

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "tests", "unit", "fixtures", "pb-siteconfig")


def load():
    return siteconfig


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        return handle.read().decode("utf-8")
