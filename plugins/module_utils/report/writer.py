# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Writing the fleet report's files (fleet-report.json, fleet-report.html, fleet-report.xml) into
one directory, each replaced atomically, for the profiles_fleet_report module and the bench."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.rudderstack.profiles.plugins.module_utils.atomic_write import write_atomic
from ansible_collections.rudderstack.profiles.plugins.module_utils.report.html import render_html
from ansible_collections.rudderstack.profiles.plugins.module_utils.report.junit import render_junit

FILES = {"json": "fleet-report.json", "html": "fleet-report.html", "junit": "fleet-report.xml"}
RENDER = {"json": lambda report: json.dumps(report, indent=1, sort_keys=True) + "\n",
          "html": render_html, "junit": render_junit}


def render(report, formats):
    """{format: text} of ``report`` in each of ``formats``."""
    return dict((fmt, RENDER[fmt](report)) for fmt in formats)


def write_report(report, dest, formats=("json", "html", "junit"), mode=0o644, move_file=os.rename, check_mode=False):
    """Render and write; returns {format: path}. In check mode only renders."""
    texts = render(report, formats)
    paths = {}
    for fmt, text in texts.items():
        paths[fmt] = os.path.join(dest, FILES[fmt])
        if not check_mode:
            if not os.path.isdir(dest):
                os.makedirs(dest)
            write_atomic(paths[fmt], text, mode=mode, move_file=move_file)
    return paths
