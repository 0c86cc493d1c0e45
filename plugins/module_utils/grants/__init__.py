# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""profiles_grants, warehouse by warehouse (the warehouses themselves: ../warehouses.py).

  model.py      Desired, Current, Plan and the pure planner (no client imports, no SQL)
  adapter.py    the interface every warehouse adapter provides (one base class)
  sql.py        base of the SQL warehouses: quoting, statement rendering, one transaction
  libpq.py      psycopg2 and libpq's options, shared by postgres and redshift
  postgres.py  redshift.py  snowflake.py  bigquery.py  databricks.py   one adapter per warehouse
  registry.py   warehouse name -> adapter (from the catalogue); the option table the module, docs
                and role derive from
"""
