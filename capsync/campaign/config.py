"""The campaign configuration: backend, référentiel path, collectifs and their calendars.

Models only; :mod:`capsync.campaign.validation` loads the YAML and reports every mistake.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from capsync.campaign.vocabulary import (
    DelegateRole,
    Modality,
    PhaseKind,
    RespondentRole,
    StructureType,
)

NonEmpty = Annotated[str, Field(min_length=1)]
Slug = Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BackendKind(StrEnum):
    LOCAL = "local"
    GOOGLE = "google"


class GoogleSettings(_Model):
    """Settings of the Google Sheets/Drive backend (docs/google.md)."""

    credentials_file: str | None = None
    credentials_env: str | None = "CAPSYNC_GOOGLE_CREDENTIALS"
    root_folder_id: str | None = None
    sharing_domain: str | None = None
    delegates_comment_on_grids: bool = False
    requests_per_minute: int = Field(default=50, ge=1, le=60)
    endpoint: str | None = None


class Backend(_Model):
    kind: BackendKind = BackendKind.LOCAL
    data_dir: str = "data"
    google: GoogleSettings = GoogleSettings()


class Delegate(_Model):
    name: NonEmpty
    email: EmailStr
    role: DelegateRole


class Respondent(_Model):
    name: NonEmpty
    role: RespondentRole


class Pair(_Model):
    """A peer from another member structure who reviews the self-assessment."""

    name: NonEmpty
    email: EmailStr | None = None
    structure: str | None = None


class Structure(_Model):
    id: Slug
    name: NonEmpty
    type: StructureType
    contacts: list[EmailStr] = Field(default_factory=list)
    respondents: list[Respondent] = Field(default_factory=list)
    pair: Pair | None = None


def _time_from_yaml(value: Any) -> Any:
    """YAML 1.1 reads an unquoted 15:30 as the sexagesimal integer 930; give it back."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return dt.time(value // 60, value % 60)
    return value


class Phase(_Model):
    """One dated step of the calendrier."""

    kind: PhaseKind
    chapter: str | None = None
    date: dt.date
    time: dt.time | None = None
    tentative: bool = False
    modality: Modality | None = None
    place: str | None = None
    notes: str | None = None

    @field_validator("chapter", mode="before")
    @classmethod
    def _chapter_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("time", mode="before")
    @classmethod
    def _sexagesimal(cls, value: Any) -> Any:
        return _time_from_yaml(value)

    @field_validator("date", mode="before")
    @classmethod
    def _strict_date(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, str):
            for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
                try:
                    return dt.datetime.strptime(value.strip(), fmt).date()
                except ValueError:
                    continue
            raise ValueError("not a date")
        return value

    @property
    def title(self) -> str:
        label = self.kind.label
        return f"{label} — chapitre {self.chapter}" if self.chapter else label

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.time or dt.time(0, 0))


class Collective(_Model):
    """A regional cohort of structures that go through the référentiel together."""

    id: Slug
    name: NonEmpty
    region: NonEmpty
    delegates: list[Delegate] = Field(default_factory=list)
    structures: list[Structure] = Field(default_factory=list)
    calendar: list[Phase] = Field(default_factory=list)

    def structure(self, structure_id: str) -> Structure:
        return next(s for s in self.structures if s.id == structure_id)

    def phases(self) -> list[Phase]:
        return sorted(self.calendar, key=lambda p: p.starts_at)


class Settings(_Model):
    """Campaign-wide knobs (documented in docs/configuration.md)."""

    late_days: int = Field(default=14, ge=0)
    help_contact: str | None = None


class Config(_Model):
    """A whole configuration file. Relative paths in it are relative to the file."""

    backend: Backend = Backend()
    referentiel: NonEmpty
    settings: Settings = Settings()
    collectives: list[Collective] = Field(min_length=1)

    def collective(self, collective_id: str) -> Collective:
        return next(c for c in self.collectives if c.id == collective_id)
