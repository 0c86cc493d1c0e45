"""Stand-ins of the cloud warehouses that cannot run here (Snowflake, BigQuery, Databricks):
MODELS of the services, reached by the real client libraries over HTTP. Each module says which
vendor documentation it follows."""
