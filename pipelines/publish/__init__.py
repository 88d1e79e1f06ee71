"""Safe publishing: release gate, disclosure control, atomic snapshots, the snapshot's catalogue."""
