"""scopewise.web."""
