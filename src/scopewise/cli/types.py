"""Parameter types shared by the commands.

:data:`NUMBER` is a record, search, group, note, excerpt or theme number: a whole
number the database can hold, so a mistyped one gets click's one-line error
("not in the range") instead of a failed query.
"""

from __future__ import annotations

import click

from scopewise.records import MAX_ID

__all__ = ["NUMBER"]

NUMBER = click.IntRange(0, MAX_ID)
