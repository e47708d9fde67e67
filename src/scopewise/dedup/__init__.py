"""scopewise.dedup."""
