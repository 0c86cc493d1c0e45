# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""A release's Requires-Python as the package index publishes it, read before anything is
installed: the simple repository API (PEP 503 HTML with ``data-requires-python``, PEP 592/691 JSON
with ``requires-python``), which PyPI and the mirrors fleets use (devpi, Artifactory, Nexus,
bandersnatch) all serve at ``<index>/<name>/``.

Plain Python (no Ansible imports) so unit tests call it directly; ``fetch(url, accept)`` returns
``(content_type, text)`` and raises on any failure (the module passes Ansible's open_url).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

try:
    from html import unescape
except ImportError:  # Python 2 (the module's target may be old; nothing else here needs 3)
    from HTMLParser import HTMLParser
    unescape = HTMLParser().unescape

DEFAULT_INDEX = "https://pypi.org/simple"
ACCEPT = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
_ANCHOR = re.compile(r"<a\s([^>]*)>([^<]*)</a>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*("[^"]*"|'[^']*')""")


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _release_of(filename, name):
    """The version in a wheel or sdist file name of ``name``, else None."""
    base = re.sub(r"(\.tar\.gz|\.zip|\.whl)$", "", filename)
    if base == filename:
        return None
    if filename.endswith(".whl"):
        parts = base.split("-")
        if len(parts) < 5 or normalise(parts[0]) != normalise(name):
            return None
        return parts[1]
    project, sep, version = base.rpartition("-")
    return version if sep and normalise(project) == normalise(name) else None


def files_from_page(content_type, text):
    """``[(filename, requires_python or None)]`` of a simple-API project page (JSON or HTML)."""
    if "json" in (content_type or ""):
        data = json.loads(text)
        return [(f.get("filename", ""), f.get("requires-python")) for f in data.get("files", [])]
    out = []
    for attributes, label in _ANCHOR.findall(text):
        attrs = dict((k.lower(), unescape(v[1:-1])) for k, v in _ATTRIBUTE.findall(attributes))
        filename = label.strip() or attrs.get("href", "").split("#")[0].rsplit("/", 1)[-1]
        out.append((filename, attrs.get("data-requires-python")))
    return out


def requires_python(files, name, version):
    """The Requires-Python of ``name`` ``version`` from a page's files: the value of its first
    file that carries one, '' when its files carry none, None when the page lists no file of it."""
    found = None
    for filename, spec in files:
        if _release_of(filename, name) != version:
            continue
        if spec:
            return spec.strip()
        found = ""
    return found


def read_requires_python(packages, fetch, index_url=DEFAULT_INDEX):
    """``(found, unreachable)`` for ``packages`` (dicts with ``name`` and an exact ``version``):
    found: name -> Requires-Python ('' when the release declares none); unreachable: messages
    for the packages the index did not answer about (the caller falls back to its table)."""
    found, unreachable = {}, []
    for package in packages:
        url = "%s/%s/" % (index_url.rstrip("/"), normalise(package["name"]))
        try:
            content_type, text = fetch(url, ACCEPT)
            spec = requires_python(files_from_page(content_type, text), package["name"], package["version"])
        # Any failure (network, TLS, a page that is not an index) leaves the caller's table in charge.
        except Exception as exc:  # pylint: disable=broad-except
            unreachable.append("%s: %s" % (url, exc))
            continue
        if spec is None:
            unreachable.append("%s lists no file of %s %s" % (url, package["name"], package["version"]))
        else:
            found[package["name"]] = spec
    return found, unreachable
