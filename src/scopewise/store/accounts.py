"""Accounts, server-side sessions, login throttling, password links and record leases.

The rows behind the web app (issue 17). Everything here takes the caller's connection,
so a sign-in, a password change or a hand-out is one transaction in the facade.
Tokens are never stored: a session id and a password-link id are the sha256 of the
random token the browser holds, so a copy of the database signs nobody in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from scopewise.errors import NotFound
from scopewise.store import schema as t
from scopewise.store.core import now, utc

__all__ = [
    "Account",
    "WebSession",
    "account_by_email",
    "account_by_id",
    "account_by_name",
    "accounts",
    "active_leases",
    "add_attempt",
    "clear_attempts",
    "decision_counts",
    "end_account_sessions",
    "end_session",
    "failed_attempts",
    "held_leases",
    "highlight_terms",
    "insert_account",
    "insert_reset",
    "insert_session",
    "lock_hand_out",
    "put_lease",
    "release_lease",
    "screeners_at",
    "session",
    "set_disabled",
    "set_highlight_terms",
    "set_password",
    "take_reset",
]

HIGHLIGHT_KEY = "web_highlight_terms"


@dataclass(frozen=True, slots=True)
class Account:
    """A sign-in for a team member (``name`` is the reviewer in decisions)."""

    id: int
    user_id: int
    name: str
    email: str
    role: str
    disabled: bool
    password_hash: str
    created_at: datetime
    password_changed_at: datetime


@dataclass(frozen=True, slots=True)
class WebSession:
    """A live session: whose, and the CSRF token its forms carry."""

    id: str
    account: Account
    csrf_token: str
    created_at: datetime


def _account_query() -> sa.Select[Any]:
    return sa.select(t.accounts, t.users.c.name).join(t.users, t.users.c.id == t.accounts.c.user_id)


def _account(row: Any) -> Account:
    return Account(
        id=int(row["id"]),
        user_id=int(row["user_id"]),
        name=str(row["name"]),
        email=str(row["email"]),
        role=str(row["role"]),
        disabled=bool(row["disabled"]),
        password_hash=str(row["password_hash"]),
        created_at=utc(row["created_at"]),
        password_changed_at=utc(row["password_changed_at"]),
    )


def _one(conn: Connection, where: Any) -> Account | None:
    row = conn.execute(_account_query().where(where)).mappings().first()
    return None if row is None else _account(row)


@cache
def _account_by_id_query() -> sa.Select[Any]:
    return _account_query().where(t.accounts.c.id == sa.bindparam("account_id"))


def account_by_email(conn: Connection, email: str) -> Account | None:
    """The account signing in with ``email`` (stored in lower case)."""
    return _one(conn, t.accounts.c.email == email.strip().lower())


def account_by_id(conn: Connection, account_id: int) -> Account | None:
    """The account with this id (read on every request: the statement is built once)."""
    row = conn.execute(_account_by_id_query(), {"account_id": account_id}).mappings().first()
    return None if row is None else _account(row)


def account_by_name(conn: Connection, name: str) -> Account | None:
    """The account of the team member called ``name``."""
    return _one(conn, t.users.c.name == name)


def accounts(conn: Connection) -> list[Account]:
    """Every account, oldest first."""
    rows = conn.execute(_account_query().order_by(t.accounts.c.id)).mappings().all()
    return [_account(r) for r in rows]


def insert_account(conn: Connection, user_id: int, email: str, password_hash: str, role: str) -> int:
    """Add an account; returns its id."""
    at = now()
    result = conn.execute(
        t.accounts.insert().values(
            user_id=user_id,
            email=email.strip().lower(),
            password_hash=password_hash,
            role=role,
            disabled=False,
            created_at=at,
            password_changed_at=at,
        )
    )
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def set_disabled(conn: Connection, account_id: int, disabled: bool) -> None:
    """Disable (or enable) an account."""
    conn.execute(
        t.accounts.update().where(t.accounts.c.id == account_id).values(disabled=disabled)
    )


def set_password(conn: Connection, account_id: int, password_hash: str) -> None:
    """Store a new password hash."""
    conn.execute(
        t.accounts.update()
        .where(t.accounts.c.id == account_id)
        .values(password_hash=password_hash, password_changed_at=now())
    )


# -- sessions -------------------------------------------------------------------------


def insert_session(conn: Connection, session_id: str, account_id: int, csrf_token: str) -> None:
    """Start a session (``session_id``: sha256 of the cookie's token)."""
    at = now()
    conn.execute(
        t.web_sessions.insert().values(
            id=session_id, account_id=account_id, csrf_token=csrf_token, created_at=at, seen_at=at
        )
    )


@cache
def _session_query() -> sa.Select[Any]:
    return sa.select(
        t.web_sessions.c.csrf_token,
        t.web_sessions.c.created_at.label("session_created_at"),
        t.web_sessions.c.account_id,
    ).where(t.web_sessions.c.id == sa.bindparam("session_id"),
            t.web_sessions.c.ended_at.is_(None))


def session(conn: Connection, session_id: str) -> WebSession | None:
    """The live (not ended) session with this id, with its account."""
    row = conn.execute(_session_query(), {"session_id": session_id}).mappings().first()
    if row is None:
        return None
    account = account_by_id(conn, int(row["account_id"]))
    if account is None:
        return None
    return WebSession(
        session_id, account, str(row["csrf_token"]), utc(row["session_created_at"])
    )


def end_session(conn: Connection, session_id: str) -> None:
    """End one session on the server (its cookie is refused from now on)."""
    conn.execute(
        t.web_sessions.update()
        .where(t.web_sessions.c.id == session_id, t.web_sessions.c.ended_at.is_(None))
        .values(ended_at=now())
    )


def end_account_sessions(conn: Connection, account_id: int) -> int:
    """End every live session of an account; returns how many."""
    result = conn.execute(
        t.web_sessions.update()
        .where(t.web_sessions.c.account_id == account_id, t.web_sessions.c.ended_at.is_(None))
        .values(ended_at=now())
    )
    return int(result.rowcount or 0)


# -- throttling -----------------------------------------------------------------------


def add_attempt(conn: Connection, keys: Iterable[str]) -> None:
    """Count a failed sign-in against each key (an account's, an address's)."""
    at = now()
    conn.execute(t.login_attempts.insert(), [{"key": k[:400], "at": at} for k in keys])


def failed_attempts(conn: Connection, key: str, since: datetime) -> list[datetime]:
    """When ``key`` failed since ``since``, oldest first."""
    rows = conn.execute(
        sa.select(t.login_attempts.c.at)
        .where(t.login_attempts.c.key == key[:400], t.login_attempts.c.at >= since)
        .order_by(t.login_attempts.c.at)
    ).scalars()
    return [utc(r) for r in rows]


def clear_attempts(conn: Connection, key: str, before: datetime | None = None) -> None:
    """Forget a key's failures (all, or those before ``before``)."""
    query = t.login_attempts.delete().where(t.login_attempts.c.key == key[:400])
    if before is not None:
        query = query.where(t.login_attempts.c.at < before)
    conn.execute(query)


# -- password links -------------------------------------------------------------------


def insert_reset(conn: Connection, reset_id: str, account_id: int, expires_at: datetime) -> None:
    """Store a one-time password link (``reset_id``: sha256 of its token)."""
    conn.execute(
        t.password_resets.insert().values(
            id=reset_id, account_id=account_id, created_at=now(), expires_at=expires_at
        )
    )


def take_reset(conn: Connection, reset_id: str, use: bool) -> int | None:
    """The account of a live link (unused, not expired); with ``use`` it is spent."""
    row = conn.execute(
        sa.select(t.password_resets.c.account_id, t.password_resets.c.expires_at)
        .where(t.password_resets.c.id == reset_id, t.password_resets.c.used_at.is_(None))
        .with_for_update()
    ).first()
    if row is None or utc(row.expires_at) <= now():
        return None
    if use:
        conn.execute(
            t.password_resets.update()
            .where(t.password_resets.c.id == reset_id)
            .values(used_at=now())
        )
    return int(row.account_id)


# -- handing out records ----------------------------------------------------------------


def lock_hand_out(conn: Connection) -> None:
    """Serialise hand-outs: lock the project row until the transaction ends.

    On PostgreSQL two workers handing out at the same moment queue here; SQLite
    writers are serialised by ``BEGIN IMMEDIATE`` already.
    """
    found = conn.execute(_lock_query()).first()
    if found is None:
        raise NotFound("the database holds no scopewise project")


# The hand-out runs these on every decision: each statement is built once (building a
# statement cost two to four times executing it on SQLite), with bound parameters.


@cache
def _lock_query() -> sa.Select[Any]:
    return sa.select(t.project.c.id).with_for_update()


@cache
def _leases_query(some: bool) -> sa.Select[Any]:
    leases = t.record_leases
    query = sa.select(leases.c.record_id, leases.c.reviewer_id).where(
        leases.c.stage == sa.bindparam("stage"), leases.c.expires_at > sa.bindparam("now")
    )
    if some:
        query = query.where(leases.c.record_id.in_(sa.bindparam("ids", expanding=True)))
    return query


@cache
def _held_query() -> sa.Select[Any]:
    leases = t.record_leases
    return sa.select(leases.c.record_id, leases.c.stage).where(
        leases.c.reviewer_id == sa.bindparam("reviewer_id"),
        leases.c.expires_at > sa.bindparam("now"),
    )


@cache
def _screeners_query() -> sa.Select[Any]:
    return (
        sa.select(t.decisions.c.record_id, t.decisions.c.reviewer_id)
        .where(
            t.decisions.c.record_id.in_(sa.bindparam("ids", expanding=True)),
            t.decisions.c.stage == sa.bindparam("stage"),
            t.decisions.c.kind == "screen",
        )
        .distinct()
    )


@cache
def _end_leases_statements() -> tuple[sa.Delete, sa.Delete, sa.Delete]:
    """Delete a reviewer's leases at a stage; expired leases; one lease."""
    leases = t.record_leases
    return (
        leases.delete().where(leases.c.reviewer_id == sa.bindparam("reviewer_id"),
                              leases.c.stage == sa.bindparam("stage")),
        leases.delete().where(leases.c.expires_at <= sa.bindparam("now")),
        leases.delete().where(leases.c.record_id == sa.bindparam("record_id"),
                              leases.c.stage == sa.bindparam("stage"),
                              leases.c.reviewer_id == sa.bindparam("reviewer_id")),
    )


def active_leases(conn: Connection, stage: str, record_ids: Sequence[int] | None = None) -> dict[int, set[int]]:
    """Record id -> reviewers (user ids) holding an unexpired lease at ``stage``."""
    params: dict[str, Any] = {"stage": stage, "now": now()}
    if record_ids is not None:
        params["ids"] = list(record_ids)
    found: dict[int, set[int]] = {}
    for rid, uid in conn.execute(_leases_query(record_ids is not None), params):
        found.setdefault(int(rid), set()).add(int(uid))
    return found


def held_leases(conn: Connection, reviewer_id: int) -> list[tuple[int, str]]:
    """(record id, stage) of the unexpired leases a reviewer holds."""
    rows = conn.execute(_held_query(), {"reviewer_id": reviewer_id, "now": now()})
    return [(int(rid), str(stage)) for rid, stage in rows]


def screeners_at(conn: Connection, record_ids: Sequence[int], stage: str) -> dict[int, set[int]]:
    """Record id -> reviewers (user ids) with a screening decision at ``stage``."""
    found: dict[int, set[int]] = {}
    rows = conn.execute(_screeners_query(), {"ids": list(record_ids), "stage": stage})
    for rid, uid in rows:
        found.setdefault(int(rid), set()).add(int(uid))
    return found


def put_lease(conn: Connection, record_id: int, stage: str, reviewer_id: int, expires_at: datetime) -> None:
    """Hand ``record_id`` to a reviewer; their other leases at ``stage`` end."""
    theirs, expired, _one_lease = _end_leases_statements()
    conn.execute(theirs, {"reviewer_id": reviewer_id, "stage": stage})
    conn.execute(expired, {"now": now()})
    conn.execute(t.record_leases.insert(), {
        "record_id": record_id, "stage": stage, "reviewer_id": reviewer_id,
        "expires_at": expires_at,
    })


def release_lease(conn: Connection, record_id: int, stage: str, reviewer_id: int) -> None:
    """The reviewer decided (or skipped) the record: their lease ends."""
    conn.execute(_end_leases_statements()[2],
                 {"record_id": record_id, "stage": stage, "reviewer_id": reviewer_id})


# -- keyword highlighting ---------------------------------------------------------------


@cache
def _settings_query() -> sa.Select[Any]:
    return sa.select(t.project.c.settings)


def highlight_terms(conn: Connection) -> dict[str, list[str]] | None:
    """The lead's include/exclude highlight terms (``None``: never edited)."""
    settings = conn.execute(_settings_query()).scalar()
    value = (settings or {}).get(HIGHLIGHT_KEY)
    if not isinstance(value, dict):
        return None
    return {k: [str(v) for v in value.get(k, [])] for k in ("include", "exclude")}


def set_highlight_terms(conn: Connection, include: Sequence[str], exclude: Sequence[str]) -> None:
    """Store the highlight terms in the project settings."""
    row = conn.execute(sa.select(t.project.c.id, t.project.c.settings).with_for_update()).first()
    if row is None:
        raise NotFound("the database holds no scopewise project")
    settings = dict(row.settings or {})
    settings[HIGHLIGHT_KEY] = {"include": list(include), "exclude": list(exclude)}
    conn.execute(t.project.update().where(t.project.c.id == row.id).values(settings=settings))


def decision_counts(conn: Connection) -> dict[tuple[str, str], int]:
    """(reviewer name, stage) -> records they screened (main screening, latest counts once)."""
    query = (
        sa.select(t.users.c.name, t.decisions.c.stage,
                  sa.func.count(sa.distinct(t.decisions.c.record_id)))
        .join(t.users, t.users.c.id == t.decisions.c.reviewer_id)
        .where(t.decisions.c.kind == "screen")
        .group_by(t.users.c.name, t.decisions.c.stage)
    )
    return {(str(n), str(s)): int(c) for n, s, c in conn.execute(query)}
