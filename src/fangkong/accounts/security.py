"""Password hashing (argon2), the password policy, and random tokens stored as hashes."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fangkong.errors import Invalid
from fangkong.i18n import N_

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "fk_"  # noqa: S105 - the visible prefix of API tokens, not a secret


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_policy(password: str, *, username: str = "", field: str = "password") -> None:
    """At least 10 characters, letters and digits, not containing the username."""
    problem: str | None = None
    if len(password) < MIN_PASSWORD_LENGTH:
        problem = N_("The password must have at least 10 characters.")
    elif not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        problem = N_("The password must contain both letters and digits.")
    elif username and username.lower() in password.lower():
        problem = N_("The password must not contain the username.")
    if problem is not None:
        raise Invalid(problem, fields={field: problem})


def temporary_password() -> str:
    """A random password that passes the policy, shown once after an administrator's reset."""
    letters = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
    digits = "23456789"
    chars = [secrets.choice(letters) for _ in range(8)] + [secrets.choice(digits) for _ in range(4)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
