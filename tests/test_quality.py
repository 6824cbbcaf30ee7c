"""The code passes ruff (the rule set in pyproject.toml) and mypy in strict mode."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def check(tool: str, *args: str) -> None:
    """Run one of the project's tools; fail with everything it printed unless it is content."""
    result = subprocess.run(  # noqa: S603 - the project's own tools, fixed arguments
        [str(BIN / tool), *args], cwd=ROOT, capture_output=True, text=True, timeout=900,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"{tool} {' '.join(args)}\n{result.stdout}{result.stderr}", pytrace=False)


def test_ruff_finds_nothing() -> None:
    check("ruff", "check", "--no-cache",
          *(name for name in ("src", "tests", "bench") if (ROOT / name).is_dir()))


def test_mypy_strict_finds_nothing() -> None:
    check("mypy")  # strict, with the configuration in pyproject.toml
