"""One Settings object, built once at the edge (CLI, app factory, tests) and passed in."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "dev-only-secret-change-me"  # noqa: S105 - refused outside debug, see check()


class Settings(BaseSettings):
    """Runtime configuration, read from FANGKONG_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="FANGKONG_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///var/fangkong.db"
    secret_key: str = DEFAULT_SECRET
    debug: bool = False
    locale: str = "zh_Hans"
    time_zone: str = "Asia/Shanghai"
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    https_only_cookies: bool = False
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    login_lock_minutes: int = Field(default=15, ge=1)
    audit_retention_days: int = Field(default=180, ge=180)
    # The largest file an import accepts, in MB: a million-person CSV (about 160 MB) fits.
    import_max_mb: int = Field(default=180, ge=1)
    # Uploaded files wait in <uploads_dir>/imports/ until imported; unset: beside the SQLite
    # database, else in var/ of the working directory.
    uploads_dir: Path | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def sqlite_path(self) -> Path | None:
        """The file of an SQLite database URL, or None for other engines and memory."""
        prefix = "sqlite:///"
        if not self.database_url.startswith(prefix):
            return None
        rest = self.database_url[len(prefix) :]
        return None if rest in ("", ":memory:") else Path(rest)
