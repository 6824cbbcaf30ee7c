"""Signed cookie values (itsdangerous), so a tampered cookie is simply not recognised."""

from __future__ import annotations

from itsdangerous import BadSignature, TimestampSigner


class CookieSigner:
    def __init__(self, secret_key: str, *, max_age_seconds: int) -> None:
        self._signer = TimestampSigner(secret_key, salt="fangkong.cookie")
        self._max_age = max_age_seconds

    def sign(self, value: str) -> str:
        return self._signer.sign(value).decode()

    def unsign(self, signed: str | None) -> str | None:
        if not signed:
            return None
        try:
            return self._signer.unsign(signed, max_age=self._max_age).decode()
        except BadSignature:
            return None
