"""Requires-Python from the package index's simple API (workstation/index_metadata.py), on PyPI's
own page of profiles-rudderstack in both of its formats (tests/unit/fixtures/simple-index/)."""
import os

import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import index_metadata

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "simple-index")
PAGES = {
    "html": ("text/html", os.path.join(FIXTURES, "profiles-rudderstack.html")),
    "json": ("application/vnd.pypi.simple.v1+json", os.path.join(FIXTURES, "profiles-rudderstack.json")),
}


def _fetcher(kind, seen):
    content_type, path = PAGES[kind]

    def fetch(url, accept):
        seen.append((url, accept))
        with open(path) as f:
            return content_type, f.read()
    return fetch


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_pb_requires_python_per_release(kind):
    seen = []
    found, unreachable = index_metadata.read_requires_python(
        [{"name": "profiles-rudderstack", "version": "0.26.4"}, {"name": "profiles_rudderstack", "version": "0.25.10"}],
        _fetcher(kind, seen), "https://mirror.example.com/simple/")
    assert found == {"profiles-rudderstack": "<3.14,>=3.9", "profiles_rudderstack": ">=3.8"}
    assert unreachable == []
    assert seen[0] == ("https://mirror.example.com/simple/profiles-rudderstack/", index_metadata.ACCEPT)


def test_a_release_the_page_lacks_and_an_index_that_fails_are_reported():
    def broken(url, accept):
        raise IOError("connection refused")
    found, unreachable = index_metadata.read_requires_python(
        [{"name": "profiles-rudderstack", "version": "0.0.999"}], _fetcher("html", []))
    assert found == {} and "lists no file of profiles-rudderstack 0.0.999" in unreachable[0]
    found, unreachable = index_metadata.read_requires_python([{"name": "x", "version": "1"}], broken)
    assert found == {} and unreachable == ["https://pypi.org/simple/x/: connection refused"]


def test_file_names():
    assert index_metadata._release_of("profiles_rudderstack-0.26.4-py3-none-any.whl", "profiles-rudderstack") == "0.26.4"
    assert index_metadata._release_of("profiles-pycorelib-0.26.0.tar.gz", "profiles-pycorelib") == "0.26.0"
    assert index_metadata._release_of("other-0.26.4-py3-none-any.whl", "profiles-rudderstack") is None
    assert index_metadata.requires_python([("p-1.0.tar.gz", None)], "p", "1.0") == ""
