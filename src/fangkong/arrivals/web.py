"""Helpers of the arrivals pages: group forms (rows of persons), field labels, error lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request

from fangkong.arrivals.codes import (
    ACTION_LABELS,
    BOOKING_LABELS,
    ID_TYPE_LABELS,
    KIND_LABELS,
    RISK_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    label,
)
from fangkong.arrivals.places import place_name
from fangkong.arrivals.schemas import nested_rows
from fangkong.errors import DomainError
from fangkong.i18n import N_
from fangkong.registry.validators import mask_id_number, mask_phone

FIELD_LABELS = {
    "name": N_("Full name"),
    "id_type": N_("Document"),
    "id_number": N_("Document number"),
    "phone": N_("Phone"),
    "temperature": N_("Temperature (°C)"),
    "checkpoint_id": N_("Checkpoint"),
    "origin_code": N_("Coming from"),
    "transport": N_("Train, flight or plate"),
    "arrived_at": N_("Arrival time"),
    "destination": N_("Destination community"),
    "destination_code": N_("Destination community"),
    "district_code": N_("Destination community"),
    "destination_address": N_("Destination address"),
    "reason": N_("Reason for coming"),
    "day": N_("Return day"),
    "company": N_("Company"),
    "people": N_("Persons"),
}


def group_data(form: dict[str, object], *, district_digits: int) -> dict[str, Any]:
    """A submitted group form as schema data: `people.N.field` rows, blank rows dropped, and
    the destination picker's value given to the community or the district field."""
    data: dict[str, Any] = dict(form)
    data["people"] = nested_rows(data, "people")
    destination = str(data.pop("destination", None) or "").strip()
    code = destination.split(" ", 1)[0]
    if code.isdigit() and len(code) <= district_digits:
        data["district_code"] = code
    elif code:
        data["destination_code"] = code
    return data


def problem_lines(request: Request, error: DomainError) -> list[str]:
    """Each field at fault as one line, naming the person's row: `Person 2 · ID number: …`."""
    tr = request.state.tr
    lines: list[str] = []
    for key, message in error.fields.items():
        head, _, rest = key.partition(".")
        index, _, name = rest.partition(".")
        if head == "people" and index.isdigit():
            where = tr.gettext("Person %(number)s", number=int(index) + 1)
            label = tr.gettext(FIELD_LABELS.get(name, name)) if name else ""
            where = f"{where} · {label}" if label else where
        else:
            where = tr.gettext(FIELD_LABELS.get(key, key)) if key != "__all__" else ""
        text = tr.gettext(message)
        lines.append(f"{where}: {text}" if where else text)
    return lines


def local_input(moment: datetime, request: Request) -> str:
    """A moment as the value of a `datetime-local` input, in local time."""
    return moment.astimezone(request.state.tr.zone).strftime("%Y-%m-%dT%H:%M")


def error_page_context(request: Request, error: DomainError) -> dict[str, Any]:
    tr = request.state.tr
    return {"errors": error.fields, "problems": problem_lines(request, error),
            "flash": tr.gettext(error.message, **error.params), "flash_kind": "error"}


def label_helpers() -> dict[str, Any]:
    """Functions the templates use to show stored codes and masked numbers."""
    return {
        "mask": mask_id_number, "mask_phone": mask_phone,
        "risk_label": lambda value: label(RISK_LABELS, value),
        "action_label": lambda value: label(ACTION_LABELS, value),
        "kind_label": lambda value: label(KIND_LABELS, value),
        "status_label": lambda value: label(STATUS_LABELS, value),
        "source_label": lambda value: label(SOURCE_LABELS, value),
        "booking_label": lambda value: label(BOOKING_LABELS, value),
        "place_name": place_name, "id_types": ID_TYPE_LABELS,
    }
