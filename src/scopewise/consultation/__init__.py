"""scopewise.consultation."""
