"""``python -m scopewise``."""

from scopewise.cli import main

main()
