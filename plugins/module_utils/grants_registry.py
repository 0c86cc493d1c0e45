# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Warehouse name -> adapter class. A new warehouse is one module plus one line here."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants_postgres import PostgresAdapter
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants_redshift import RedshiftAdapter

ADAPTERS = {
    "postgres": PostgresAdapter,
    "redshift": RedshiftAdapter,
}
