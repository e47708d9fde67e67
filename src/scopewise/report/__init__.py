"""scopewise.report."""
