"""Watching the nights: alerts to the data team and each council's submission freshness."""
