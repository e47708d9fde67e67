"""scopewise.screening."""
