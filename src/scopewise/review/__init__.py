"""The Review facade: what the CLI, the web app and user scripts call."""
