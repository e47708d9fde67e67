"""scopewise.sources."""
