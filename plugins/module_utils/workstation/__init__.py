# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The analyst's toolchain on a workstation: accounts and homes (accounts.py), per-analyst
settings (analysts.py), pyenv and its Pythons (pyenv.py with the role's plan, python_share.py,
python_relocate.py), the virtualenv pb lives in (virtualenv.py),
shell start-up blocks (shell_init.py), pip's and uv's index settings (pip_settings.py), the version
rules of pb and Python (versions.py: pins, the supported pb range, upgrades) and releases'
Requires-Python as the package index publishes it (index_metadata.py)."""
