"""Writes docs/schemas/fleet-report-<version>.schema.json from plugins/module_utils/report/schema.py
(python -m devtools.report_schema [--check]); tests/unit/test_fleet_report.py fails when it is stale."""
import json
import os
import sys

from devtools.collection_path import make_importable

make_importable()
from ansible_collections.rudderstack.profiles.plugins.module_utils.report.schema import SCHEMA, SCHEMA_VERSION  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATH = os.path.join(REPO, "docs", "schemas", "fleet-report-%d.schema.json" % SCHEMA_VERSION)


def text():
    return json.dumps(SCHEMA, indent=2, sort_keys=True) + "\n"


def main(argv):
    if "--check" in argv:
        with open(PATH) as f:
            if f.read() != text():
                print("%s is stale: run python -m devtools.report_schema" % PATH)
                return 1
        return 0
    with open(PATH, "w") as f:
        f.write(text())
    print("wrote", PATH)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
