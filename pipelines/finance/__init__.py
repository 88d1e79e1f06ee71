"""Partnership funding: the formula as data (formula.py) and the finance export (export.py)."""
