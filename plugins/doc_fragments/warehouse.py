# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Connection options shared by the warehouse modules (module_utils/connection.py).
    DOCUMENTATION = r"""
options:
  warehouse:
    description:
      - The warehouse type, as in pb's siteconfig C(type).
      - Only C(postgres) and C(redshift) are supported in this release; Snowflake, BigQuery and
        Databricks will each be added as one more adapter.
    type: str
    required: true
    choices: [postgres, redshift]
  login_host:
    description:
      - Host name or address of the warehouse endpoint.
      - Falls back to the E(PGHOST) environment variable, then to libpq's default (local socket).
    type: str
    aliases: [host]
  login_port:
    description:
      - Port of the warehouse endpoint. Falls back to E(PGPORT).
      - When unset, 5432 for C(postgres) and 5439 for C(redshift).
    type: int
    aliases: [port]
  login_user:
    description:
      - The administrative user that runs the statements (needs to create users/roles and
        schemas and to grant on the objects named). Falls back to E(PGUSER).
    type: str
  login_password:
    description:
      - Password of O(login_user). Falls back to E(PGPASSWORD).
    type: str
  login_db:
    description:
      - Database to connect to; database-level grants apply to it. Falls back to E(PGDATABASE).
    type: str
    aliases: [database]
  connect_timeout:
    description:
      - Seconds to wait for the connection before failing. Falls back to E(PGCONNECT_TIMEOUT).
    type: int
    default: 10
  sslmode:
    description:
      - libpq SSL mode. Falls back to E(PGSSLMODE). Use C(verify-full) for Redshift over the internet.
    type: str
    default: prefer
    choices: [disable, allow, prefer, require, verify-ca, verify-full]
  ssl_rootcert:
    description:
      - CA certificate file to verify the server with. Falls back to E(PGSSLROOTCERT).
    type: path
requirements:
  - psycopg2 (pip package C(psycopg2-binary) or C(psycopg2)) on the host that runs the module
"""
