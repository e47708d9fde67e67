"""AccountsMixin: who may sign in to the web app, their sessions, and sign-in throttling.

Choices made here (and why):

- An account belongs to a member of the protocol's ``[[team]]`` (by name), so a decision
  made in the browser and one made with the CLI belong to the same reviewer. Its role
  decides what the web app lets it do: ``lead`` (everything; the team role must be
  lead), ``reviewer`` (screens and charts; team lead or reviewer), ``viewer`` (reads).
- Sessions live in the database, not in a signed cookie: signing out, a new password
  and disabling an account end them on the server, and every worker process sees it.
- Throttling counts failures per account (the e-mail typed, whether or not it has an
  account, so the answer does not tell) and per address, over a sliding window.
  A throttled attempt is not checked at all, and not counted either (else a
  determined attacker could lock a reviewer out forever).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from scopewise.errors import AccountError, LoginThrottled, NotFound, UsageError
from scopewise.review import passwords
from scopewise.review.core import ReviewCore
from scopewise.store import accounts as db
from scopewise.store import now
from scopewise.store.accounts import Account, WebSession

__all__ = ["ACCOUNT_ROLES", "Account", "AccountsMixin", "SignIn", "WebSession"]

ACCOUNT_ROLES = ("lead", "reviewer", "viewer")
TEAM_ROLES_FOR = {
    "lead": ("lead",),
    "reviewer": ("lead", "reviewer"),
    "viewer": ("lead", "reviewer", "information_specialist", "stakeholder"),
}
WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5  # failed sign-ins per account per window
ADDRESS_LIMIT = 20  # failed sign-ins per address per window
SESSION_LIFETIME = timedelta(hours=12)
LINK_LIFETIME = timedelta(hours=24)
WRONG = "wrong e-mail address or password"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class SignIn:
    """A new session: the token for the cookie and the session it opens."""

    token: str
    session: WebSession


def _retry_after(failures: Sequence[datetime], limit: int, at: datetime) -> int:
    """Seconds until fewer than ``limit`` of ``failures`` (oldest first) are in the window."""
    if len(failures) < limit:
        return 0
    frees_at = failures[len(failures) - limit] + WINDOW
    return max(1, math.ceil((frees_at - at).total_seconds()))


class AccountsMixin(ReviewCore):
    """Accounts, sessions, password links and throttling for the web app."""

    # -- accounts ---------------------------------------------------------------

    def add_account(
        self, email: str, name: str, role: str, password: str, actor: str = "scopewise"
    ) -> Account:
        """Give a team member a sign-in.

        Raises
        ------
        AccountError
            The name is not in the protocol's team, the role does not fit their team
            role, or the e-mail address or member already has an account.
        UsageError
            The password is refused (see :func:`scopewise.review.passwords.check_password`).
        """
        email = email.strip().lower()
        if role not in ACCOUNT_ROLES:
            raise AccountError(f"role must be one of {', '.join(ACCOUNT_ROLES)}, not {role!r}")
        if "@" not in email or len(email) > 300 or any(c.isspace() for c in email):
            raise AccountError(f"{email!r} is not an e-mail address")
        member = next((m for m in self.protocol.team if m.name == name), None)
        if member is None:
            names = ", ".join(m.name for m in self.protocol.team) or "(none)"
            raise AccountError(
                f"{name!r} is not in the protocol's team ({names}); add them to [[team]] "
                "and run scopewise protocol update first"
            )
        if member.role not in TEAM_ROLES_FOR[role]:
            raise AccountError(
                f"{name} is a {member.role.replace('_', ' ')} in the team, so their account "
                f"can be {' or '.join(r for r, ok in TEAM_ROLES_FOR.items() if member.role in ok)}"
                f", not {role}"
            )
        passwords.check_password(password, email, name)
        hashed = passwords.hash_password(password)
        with self.store.transaction() as conn:
            if db.account_by_email(conn, email) is not None:
                raise AccountError(f"{email} already has an account")
            if db.account_by_name(conn, name) is not None:
                raise AccountError(f"{name} already has an account")
            user_id = self.store.ensure_user(conn, name, member.role, member.email)
            account_id = db.insert_account(conn, user_id, email, hashed, role)
            self.store.audit(
                conn, actor, "account.added", {"email": email, "name": name, "role": role}
            )
            found = db.account_by_id(conn, account_id)
        assert found is not None
        return found

    def accounts(self) -> list[Account]:
        """Every account, oldest first."""
        with self.store.reading() as conn:
            return db.accounts(conn)

    def _account(self, email: str) -> Account:
        with self.store.reading() as conn:
            found = db.account_by_email(conn, email)
        if found is None:
            raise NotFound(f"no account with e-mail address {email.strip().lower()!r}")
        return found

    def disable_account(self, email: str, actor: str = "scopewise", disabled: bool = True) -> Account:
        """Disable an account (its sessions end at once) or enable it again."""
        account = self._account(email)
        with self.store.transaction() as conn:
            db.set_disabled(conn, account.id, disabled)
            ended = db.end_account_sessions(conn, account.id) if disabled else 0
            self.store.audit(
                conn,
                actor,
                "account.disabled" if disabled else "account.enabled",
                {"email": account.email, "sessions_ended": ended},
            )
        return self._account(email)

    def password_link_token(self, email: str, actor: str = "scopewise") -> str:
        """A one-time token for a password link (valid 24 hours, used once)."""
        account = self._account(email)
        token = secrets.token_urlsafe(32)
        with self.store.transaction() as conn:
            db.insert_reset(conn, _digest(token), account.id, now() + LINK_LIFETIME)
            self.store.audit(conn, actor, "account.password_link", {"email": account.email})
        return token

    def password_link_valid(self, token: str) -> bool:
        """Whether a password-link token can still be used (reading does not spend it)."""
        with self.store.transaction() as conn:
            return db.take_reset(conn, _digest(token), use=False) is not None

    def set_password_with_link(self, token: str, password: str) -> Account:
        """Set a new password through a one-time link; every session of the account ends."""
        with self.store.reading() as conn:
            peek = db.take_reset(conn, _digest(token), use=False) if token else None
            account = db.account_by_id(conn, peek) if peek is not None else None
        if account is None:
            raise AccountError("this password link is not valid (used, expired or mistyped)")
        passwords.check_password(password, account.email, account.name)
        hashed = passwords.hash_password(password)
        with self.store.transaction() as conn:
            if db.take_reset(conn, _digest(token), use=True) != account.id:
                raise AccountError("this password link is not valid (used, expired or mistyped)")
            db.set_password(conn, account.id, hashed)
            db.end_account_sessions(conn, account.id)
            self.store.audit(conn, account.name, "account.password_set", {"email": account.email})
        return self._account(account.email)

    def change_password(self, account_id: int, old: str, new: str) -> None:
        """Change one's own password; every session of the account ends (sign in again)."""
        with self.store.reading() as conn:
            account = db.account_by_id(conn, account_id)
        if account is None or not passwords.verify_password(account.password_hash, old):
            raise AccountError("the current password is wrong")
        if new == old:
            raise UsageError("the new password is the current one")
        passwords.check_password(new, account.email, account.name)
        hashed = passwords.hash_password(new)
        with self.store.transaction() as conn:
            db.set_password(conn, account.id, hashed)
            db.end_account_sessions(conn, account.id)
            self.store.audit(conn, account.name, "account.password_changed", {})

    # -- signing in and out -------------------------------------------------------

    def sign_in(self, email: str, password: str, address: str) -> SignIn:
        """Check a sign-in and start a new session.

        Raises
        ------
        LoginThrottled
            Too many failures for this e-mail address or from this address lately.
        AccountError
            Wrong e-mail address or password (the same words whether or not the
            account exists or is disabled).
        """
        email = email.strip().lower()[:300]
        keys = [f"email:{email}", f"addr:{address}"]
        at = now()
        with self.store.reading() as conn:
            wait = max(
                _retry_after(db.failed_attempts(conn, keys[0], at - WINDOW), ACCOUNT_LIMIT, at),
                _retry_after(db.failed_attempts(conn, keys[1], at - WINDOW), ADDRESS_LIMIT, at),
            )
            account = db.account_by_email(conn, email) if email else None
        if wait:
            raise LoginThrottled(
                f"too many failed sign-ins; try again in {wait} seconds", retry_after=wait
            )
        ok = passwords.verify_password(
            account.password_hash if account else passwords.dummy_hash(), password
        )
        if account is None or not ok or account.disabled:
            with self.store.transaction() as conn:
                db.add_attempt(conn, keys)
                db.clear_attempts(conn, keys[0], before=at - WINDOW)
            raise AccountError(WRONG)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        new_hash = passwords.hash_password(password) if passwords.needs_rehash(account.password_hash) else None
        with self.store.transaction() as conn:
            db.clear_attempts(conn, keys[0])
            if new_hash:
                db.set_password(conn, account.id, new_hash)
            db.insert_session(conn, _digest(token), account.id, csrf)
            self.store.audit(conn, account.name, "web.signed_in", {"address": address})
            session = db.session(conn, _digest(token))
        assert session is not None
        return SignIn(token, session)

    def web_session(self, token: str) -> WebSession | None:
        """The live session for a cookie's token, or ``None`` (ended, expired, disabled)."""
        if not token or len(token) > 200:
            return None
        with self.store.reading() as conn:
            found = db.session(conn, _digest(token))
        if found is None or found.account.disabled:
            return None
        if now() - found.created_at > SESSION_LIFETIME:
            return None
        return found

    def sign_out(self, token: str) -> None:
        """End the session on the server; its cookie is refused from now on."""
        with self.store.transaction() as conn:
            found = db.session(conn, _digest(token))
            if found is not None:
                db.end_session(conn, found.id)
                self.store.audit(conn, found.account.name, "web.signed_out", {})

    # -- keyword highlighting -------------------------------------------------------

    def highlight_terms(self) -> dict[str, list[str]]:
        """Terms highlighted on the screening page: ``include`` and ``exclude``.

        Until a lead edits them: the protocol's keywords as include terms.
        """
        with self.store.reading() as conn:
            stored = db.highlight_terms(conn)
        if stored is not None:
            return stored
        return {"include": list(self.protocol.review.keywords), "exclude": []}

    def set_highlight_terms(self, include: Sequence[str], exclude: Sequence[str], actor: str) -> None:
        """Store the highlight terms (a lead's edit; audited)."""
        def clean(terms: Sequence[str]) -> list[str]:
            out = [" ".join(t.split())[:100] for t in terms]
            return list(dict.fromkeys(t for t in out if t))[:200]

        inc, exc = clean(include), clean(exclude)
        with self.store.transaction() as conn:
            db.set_highlight_terms(conn, inc, exc)
            self.store.audit(conn, actor, "web.highlight_terms", {"include": inc, "exclude": exc})
