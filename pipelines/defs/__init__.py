"""Dagster definitions, one sub-module per area: ingest, finance, transform, operations."""
