"""Data contracts: canonical tables (pandera models) and the dialect profiles that feed them."""
