# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""pb and its files: running the pb CLI (cli.py), its site configuration (siteconfig/), laying down
and migrating a project (project.py) and checking it against the warehouse (verify.py)."""
