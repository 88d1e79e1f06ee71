"""One pandera DataFrameModel per canonical table, grouped by area."""
