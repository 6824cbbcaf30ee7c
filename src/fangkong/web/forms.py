"""One Pydantic schema validates both the JSON body and the HTML form."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from fangkong.errors import Invalid
from fangkong.i18n import N_

S = TypeVar("S", bound=BaseModel)

_MESSAGES = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This field is too short."),
    "string_too_long": N_("This field is too long."),
    "string_pattern_mismatch": N_("This value has the wrong format."),
    "int_parsing": N_("Enter a whole number."),
    "greater_than_equal": N_("This number is too small."),
    "less_than_equal": N_("This number is too large."),
    "enum": N_("Choose one of the offered values."),
    "literal_error": N_("Choose one of the offered values."),
}


def field_errors(error: ValidationError) -> dict[str, str]:
    """Map a validation error to {field: message id}, one message per field."""
    fields: dict[str, str] = {}
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"] if part not in ("body", "query"))
        message = _MESSAGES.get(item["type"])
        if message is None:
            message = str(item.get("ctx", {}).get("error", "")) or N_("This value is not valid.")
        fields.setdefault(name or "__all__", message)
    return fields


def validate(schema: type[S], data: dict[str, object]) -> S:
    """Validate plain data into a schema or raise Invalid naming each bad field."""
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        raise Invalid(fields=field_errors(error)) from error


async def form_data(request: Request) -> dict[str, object]:
    """The submitted form as a dict; blank fields become None, the CSRF field is dropped."""
    form = await request.form()
    data: dict[str, object] = {}
    for key, value in form.multi_items():
        if key == "csrf_token" or not isinstance(value, str):
            continue
        data[key] = value.strip() or None
    return data
