# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""pb's ~/.pb/siteconfig.yaml, written byte for byte as pb writes it.

  options.py   profiles_siteconfig's option table (the one place an option is declared)
  builders.py  one output (target) per warehouse, built from the options
  document.py  read, merge, remove, redact and render the whole file
  goyaml.py    the gopkg.in/yaml.v3 emitter and scalar rules pb writes with
"""
