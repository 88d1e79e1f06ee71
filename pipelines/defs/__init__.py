"""Dagster definitions, one sub-module per area: ingest, finance, transform, publish, reports,
operations (schedule and sensors), and the resources they share."""
