"""A person's or household's entered values, checked and normalised as one record.

Every field is checked; one bad field re-raises the validator's own error (its code names the
problem), several become one `RegistryInvalid` naming each field at fault.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from fangkong.errors import Invalid
from fangkong.i18n import N_
from fangkong.registry.codes import IdType
from fangkong.registry.validators import (
    EARLIEST_BIRTH,
    LOCAL_ZONE,
    RegistryInvalid,
    check_id_matches,
    mask_id_number,
    mask_phone,
    normalise_name,
    normalise_phone,
    normalise_text,
    parse_id_number,
)

T = TypeVar("T")
DOCUMENT_LENGTH = 32


class _Errors:
    """Errors of several fields, gathered so a form can show them all at once."""

    def __init__(self) -> None:
        self.caught: list[Invalid] = []

    def run(self, check: Callable[[], T]) -> T | None:
        try:
            return check()
        except Invalid as error:
            self.caught.append(error)
            return None

    def raise_any(self) -> None:
        if len(self.caught) == 1:
            raise self.caught[0]
        if self.caught:
            fields: dict[str, str] = {}
            for error in self.caught:
                fields.update({k: v for k, v in error.fields.items() if k not in fields})
            raise RegistryInvalid(fields=fields)


def _code(value: object) -> str | None:
    if value is None:
        return None
    return value.value if isinstance(value, StrEnum) else str(value)


def _document_number(value: object) -> str | None:
    """Another document's number: no spaces, upper case, at most 32 characters."""
    text = "".join(normalise_text(str(value)).split()).upper()
    if len(text) > DOCUMENT_LENGTH:
        raise RegistryInvalid.at("id_number", N_("The document number is too long."))
    return text or None


def _document(
    values: dict[str, Any], errors: _Errors
) -> tuple[str | None, date | None, str | None]:
    """(number, birth date, sex): a resident ID fills in and must agree with the entered ones."""
    id_type = _code(values.get("id_type")) or IdType.RESIDENT_ID.value
    raw, birth, sex = values.get("id_number"), values.get("birth_date"), _code(values.get("sex"))
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, birth, sex
    if id_type != IdType.RESIDENT_ID:
        return errors.run(lambda: _document_number(raw)), birth, sex
    resident = errors.run(lambda: parse_id_number(raw))
    if resident is None:
        return None, birth, sex
    errors.run(lambda: check_id_matches(resident, birth_date=birth, sex=sex))
    return resident.number, birth or resident.birth_date, sex or resident.sex


def _birth_date(value: date | None, today: date) -> date | None:
    if value is not None and not EARLIEST_BIRTH <= value <= today:
        raise RegistryInvalid.at("birth_date", N_("The birth date must lie between 1880 and "
                                                  "today."))
    return value


def clean_person(values: dict[str, Any], *, today: date | None = None) -> dict[str, Any]:
    """The stored values of a person; raises the validators' errors naming the fields."""
    errors = _Errors()
    name = errors.run(lambda: normalise_name(str(values.get("name") or "")))
    phone_text = str(values.get("phone") or "")
    phone = errors.run(lambda: normalise_phone(phone_text)) if phone_text.strip() else ""
    number, birth, sex = _document(values, errors)
    birth = errors.run(lambda: _birth_date(birth, today or datetime.now(LOCAL_ZONE).date()))
    errors.raise_any()
    return {
        "name": name, "relation": _code(values.get("relation")) or "other", "sex": sex,
        "id_type": _code(values.get("id_type")) or IdType.RESIDENT_ID.value,
        "id_number": number, "birth_date": birth, "phone": phone,
        "residence": _code(values.get("residence")) or "resident",
        "occupation": normalise_text(str(values.get("occupation") or "")),
        "notes": str(values.get("notes") or "").strip(),
    }


def clean_household(values: dict[str, Any]) -> dict[str, Any]:
    """The stored values of a household: address and head normalised, phone canonical."""
    errors = _Errors()
    address = normalise_text(str(values.get("address") or ""))
    if not address:
        errors.run(lambda: _fail("address", N_("The address is empty.")))
    head = str(values.get("head_name") or "")
    head_name = errors.run(lambda: normalise_name(head, field="head_name")) if head.strip() \
        else ""
    phone_text = str(values.get("phone") or "")
    phone = errors.run(lambda: normalise_phone(phone_text)) if phone_text.strip() else ""
    errors.raise_any()
    return {"address": address, "kind": _code(values.get("kind")) or "family",
            "head_name": head_name, "phone": phone,
            "notes": str(values.get("notes") or "").strip()}


def _fail(field: str, message: str) -> None:
    raise RegistryInvalid.at(field, message)


def _json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json(item) for item in value]
    return _code(value) if isinstance(value, StrEnum) else value


def _mask(name: str, value: Any) -> Any:
    if isinstance(value, list):
        return [_mask(name, item) for item in value]
    if not isinstance(value, str) or not value:
        return value
    return mask_id_number(value) if name == "id_number" else mask_phone(value)


def masked_detail(detail: dict[str, Any]) -> dict[str, Any]:
    """An audit detail as JSON, with ID numbers and phones masked (the log is no copy of them)."""
    return {key: _mask(key, _json(value)) if key in ("id_number", "phone") else _json(value)
            for key, value in detail.items()}
