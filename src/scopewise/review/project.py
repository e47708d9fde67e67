"""The project folder: ``scopewise.toml`` (where the database is), ``protocol.toml``, files."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from scopewise.errors import ProjectExists, ProjectNotFound, UsageError
from scopewise.store import sqlite_url

__all__ = ["CONFIG_NAME", "DB_NAME", "PROTOCOL_NAME", "ProjectConfig", "resolve_db_url"]

CONFIG_NAME = "scopewise.toml"
PROTOCOL_NAME = "protocol.toml"
DB_NAME = "project.db"
ENV_URL = "SCOPEWISE_DATABASE_URL"


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """What ``scopewise.toml`` in a project folder says."""

    name: str
    database: str  # "sqlite" (the file in the folder) or a SQLAlchemy URL

    @classmethod
    def read(cls, folder: Path) -> ProjectConfig:
        """Read the config of the project in ``folder``."""
        path = folder / CONFIG_NAME
        if not folder.exists():
            raise ProjectNotFound(
                f"{folder}: no such folder; create a project with scopewise init {folder}"
            )
        if not path.is_file():
            raise ProjectNotFound(
                f"{folder}: not a scopewise project (no {CONFIG_NAME}); "
                f"create one with scopewise init {folder}"
            )
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            section = data["project"]
            return cls(name=str(section["name"]), database=str(section.get("database", "sqlite")))
        except (tomllib.TOMLDecodeError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise ProjectNotFound(
                f"{path}: unreadable project file ({exc}); restore it or re-create the project"
            ) from None

    def write(self, folder: Path) -> None:
        """Write ``scopewise.toml``."""
        text = "# scopewise project; the protocol and all data live in the database.\n"
        text += tomli_w.dumps({"project": {"name": self.name, "database": self.database}})
        (folder / CONFIG_NAME).write_text(text, encoding="utf-8")


def resolve_db_url(folder: Path, explicit: str | None, configured: str | None) -> str:
    """The database URL: ``--db``, else ``$SCOPEWISE_DATABASE_URL``, else the project's own."""
    if explicit:
        return explicit
    env = os.environ.get(ENV_URL)
    if env:
        return env
    if configured and configured != "sqlite":
        return configured
    return sqlite_url(folder / DB_NAME)


def check_new_folder(folder: Path) -> None:
    """Refuse to create a project over an existing one or over a file."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file; give a folder for the new project")
    if (folder / CONFIG_NAME).exists():
        raise ProjectExists(f"{folder} already holds a scopewise project; choose another folder")
