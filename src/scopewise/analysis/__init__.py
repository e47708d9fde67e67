"""scopewise.analysis."""
