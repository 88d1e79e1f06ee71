"""Documents for the boards, built from the published snapshot."""
