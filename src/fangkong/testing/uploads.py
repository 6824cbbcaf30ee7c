"""An uploaded lab file: copied into the imports folder in pieces (refused past the size
limit), imported, then removed."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import BinaryIO

from fangkong.registry.importer_source import (
    MEGABYTE,
    FileTooLarge,
    ImportFile,
    import_dir,
)
from fangkong.settings import Settings


def save_upload(handle: BinaryIO, filename: str, settings: Settings) -> ImportFile:
    """The upload as a file on disk; nothing is kept of a file over the limit."""
    folder = import_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(filename).suffix.lower()[:10] or ".bin"
    target = folder / f"lab-{secrets.token_hex(8)}{suffix}"
    limit_mb = settings.import_max_mb
    written = 0
    with target.open("wb") as out:
        while block := handle.read(MEGABYTE):
            written += len(block)
            if written > limit_mb * MEGABYTE:
                out.close()
                target.unlink(missing_ok=True)
                raise FileTooLarge(params={"size": round(written / MEGABYTE), "limit": limit_mb})
            out.write(block)
    return ImportFile(target, Path(filename).name or "upload")
