"""scopewise.charting."""
