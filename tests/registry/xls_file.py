"""A minimal Excel 97-2003 (.xls) writer for tests: one sheet of text and numbers in a BIFF8
workbook stream inside an OLE compound file, as Excel writes them (no styles, no formulas)."""

from __future__ import annotations

import struct
from collections.abc import Sequence

SECTOR = 512
MIN_STREAM = 4096  # smaller streams would belong in the compound file's mini stream
END_OF_CHAIN, FAT_SECTOR, FREE = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
Cell = str | float | None


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(kind: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0, 0, 0, 0))


def _text(value: str, count: str) -> bytes:
    """A BIFF8 string: its length (1 or 2 bytes), the UTF-16 flag, the characters."""
    return struct.pack(f"<{count}B", len(value), 1) + value.encode("utf-16-le")


def _sheet(rows: Sequence[Sequence[Cell]]) -> bytes:
    cells = b""
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, float):
                cells += _record(0x0203, struct.pack("<HHHd", r, c, 0, value))  # NUMBER
            elif value:
                cells += _record(0x0204, struct.pack("<HHH", r, c, 0) + _text(value, "H"))
    width = max((len(row) for row in rows), default=0)
    dimensions = _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
    return _bof(0x0010) + dimensions + cells + _record(0x000A)


def _workbook(name: str, rows: Sequence[Sequence[Cell]]) -> bytes:
    head = _bof(0x0005) + _record(0x0042, struct.pack("<H", 1200))  # BOF, CODEPAGE UTF-16
    sheet_at = len(head) + 4 + 6 + len(_text(name, "B")) + 4
    sheet = _record(0x0085, struct.pack("<IBB", sheet_at, 0, 0) + _text(name, "B"))
    return head + sheet + _record(0x000A) + _sheet(rows)


def _entry(name: str, kind: int, start: int, size: int, child: int = FREE) -> bytes:
    raw = name.encode("utf-16-le") + b"\x00\x00" if name else b""
    return (raw.ljust(64, b"\x00") + struct.pack("<HBBIII", len(raw), kind, 1, FREE, FREE, child)
            + bytes(36) + struct.pack("<IQ", start, size))


def xls_bytes(rows: Sequence[Sequence[Cell]], sheet: str = "Sheet1") -> bytes:
    """An .xls file holding the rows in one sheet."""
    stream = _workbook(sheet, rows)
    size = max(len(stream), MIN_STREAM)
    sectors = -(-size // SECTOR)
    stream = stream.ljust(sectors * SECTOR, b"\x00")
    fat_at, directory_at = sectors, sectors + 1
    fat = [*range(1, sectors), END_OF_CHAIN, FAT_SECTOR, END_OF_CHAIN]
    fat += [FREE] * (SECTOR // 4 - len(fat))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIIIIIIII", 0, 1, directory_at, 0, MIN_STREAM, END_OF_CHAIN, 0,
                            END_OF_CHAIN, 0)
              + struct.pack("<109I", fat_at, *[FREE] * 108))
    directory = (_entry("Root Entry", 5, END_OF_CHAIN, 0, child=1)
                 + _entry("Workbook", 2, 0, size) + _entry("", 0, 0, 0) * 2)
    return header + stream + struct.pack(f"<{SECTOR // 4}I", *fat) + directory
