"""scopewise.cli."""
