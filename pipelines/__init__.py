"""Regional Adoption Agency warehouse: Dagster code, ingestion and command line."""
