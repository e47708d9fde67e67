"""Passwords: the policy (NIST SP 800-63B: a minimum length, no composition rules,
common passwords refused) and Argon2id hashing at OWASP's parameters or stronger.

The common passwords are the 30,000 most frequent in zxcvbn's frequency list (MIT
licence, from the ``zxcvbn`` package on PyPI); nothing is listed by hand here.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from scopewise.errors import UsageError

__all__ = ["MIN_LENGTH", "check_password", "dummy_hash", "hash_password", "needs_rehash", "verify_password"]

MIN_LENGTH = 8
MAX_LENGTH = 1024  # hashing a megabyte on every attempt would be a denial of service

# OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1 at least.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.casefold() for p in FREQUENCY_LISTS["passwords"])


def check_password(password: str, email: str = "", name: str = "") -> None:
    """Refuse a password that is too short, too long, common, or the user's own name.

    Raises
    ------
    UsageError
        Saying what is wrong (never echoing the password).
    """
    if len(password) < MIN_LENGTH:
        raise UsageError(f"the password must have at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise UsageError(f"the password must have at most {MAX_LENGTH} characters")
    folded = password.casefold()
    if folded in _common():
        raise UsageError("that password is one of the most common passwords; choose another")
    own = {email.casefold(), email.split("@")[0].casefold(), name.casefold()} - {""}
    if folded in own:
        raise UsageError("the password must not be your name or e-mail address")


def hash_password(password: str) -> str:
    """An Argon2id hash (PHC string, salt and parameters included)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (a broken hash matches nothing)."""
    try:
        return _HASHER.verify(password_hash, password[:MAX_LENGTH])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """Verified against when the e-mail has no account, so both cases take as long."""
    return _HASHER.hash("not a password anyone has: timing for unknown accounts")
