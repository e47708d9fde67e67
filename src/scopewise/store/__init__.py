"""The only package that knows SQL: SQLite by default, PostgreSQL for teams."""

from __future__ import annotations

from scopewise.store.core import AuditEvent, ProtocolVersion, Store, User, now
from scopewise.store.engine import make_engine, migrate, sqlite_url

__all__ = [
    "AuditEvent",
    "ProtocolVersion",
    "Store",
    "User",
    "make_engine",
    "migrate",
    "now",
    "sqlite_url",
]
