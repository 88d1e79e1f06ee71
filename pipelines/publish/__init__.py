"""Safe publishing: release gate, disclosure control, atomic snapshots, alerts and freshness."""
