"""The campaign configuration: backend, référentiel path, collectifs and their calendars.

Models only; :mod:`capsync.campaign.validation` loads the YAML and reports every mistake.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from capsync.campaign.vocabulary import (
    DelegateRole,
    Modality,
    PhaseKind,
    RespondentRole,
    StructureType,
)

NETWORK_ID = "reseau"
"""The network view's folder beside the collectifs' (``<data>/reseau/``): no collectif's ID."""

NonEmpty = Annotated[str, Field(min_length=1)]
Slug = Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
CAMPAIGN_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
CampaignId = Annotated[str, Field(min_length=1, max_length=40, pattern=CAMPAIGN_PATTERN)]
"""« 2025-2026 »: a campaign's ID, in file names (archived grids) and the store."""

DEFAULT_CAMPAIGN = "1"
"""The campaign of a configuration without ``campaign:``, and of grids made before campaigns."""


def yaml_date(value: Any) -> Any:
    """« 2026-07-02 » or « 02/07/2026 »: the two ways admins and délégué·e·s write a date."""
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
    email: EmailStr | None = None  # on Google, the only person who may type in their column


class Pair(_Model):
    """A peer from another member structure who reviews the self-assessment."""

    name: NonEmpty
    email: EmailStr | None = None
    structure: str | None = None


class ChapterPair(_Model):
    """The pair who reviews one chapter of a structure (« binôme différent par thématique »)."""

    chapter: NonEmpty
    name: NonEmpty
    email: EmailStr | None = None
    structure: NonEmpty

    @field_validator("chapter", mode="before")
    @classmethod
    def _chapter_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Structure(_Model):
    id: Slug
    name: NonEmpty
    type: StructureType  # its type; with ``types`` alone, the first of them
    types: list[StructureType] = Field(default_factory=list)  # an ensemblier's types (AI + ACI)
    members: list[Slug] = Field(default_factory=list)  # a GES: its member structures' IDs
    contacts: list[EmailStr] = Field(default_factory=list)
    respondents: list[Respondent] = Field(default_factory=list)
    pair: Pair | None = None  # the same pair for every chapter without an entry in ``pairs``
    pairs: list[ChapterPair] = Field(default_factory=list)
    respondents_by_role: bool | None = None  # None: as the collectif says
    testimony_consent: bool = (
        False  # may be named in a regroupement kit's « qui pourrait témoigner »
    )
    restitution_date: dt.date | None = None  # its restitution meeting (its calendar, J−14/J−3)
    plan_review_date: dt.date | None = None  # when its plan de progrès is reviewed
    joined: dt.date | None = None  # joined the collectif late: earlier chapters « à rattraper »
    chapter_dates: dict[str, dt.date] = Field(
        default_factory=dict
    )  # its own date per chapter (its own order), instead of the regroupement's
    campaign: CampaignId | None = None  # its campaign; None: the collectif's (set by Config)

    @field_validator("chapter_dates", mode="before")
    @classmethod
    def _chapter_keys_as_text(cls, value: Any) -> Any:
        """``{1: 2026-01-15}``: a chapter written as a number is the chapter's ID."""
        if isinstance(value, dict):
            return {str(k) if isinstance(k, int) else k: v for k, v in value.items()}
        return value

    @model_validator(mode="before")
    @classmethod
    def _type_from_types(cls, data: Any) -> Any:
        """``types: [AI, ACI]`` alone names the structure's type too (the first one)."""
        if isinstance(data, dict) and "type" not in data:
            types = data.get("types")
            if isinstance(types, list) and types:
                return {**data, "type": types[0]}
        return data

    @property
    def all_types(self) -> tuple[StructureType, ...]:
        """Every type of the structure, ``type`` first, each once: an ensemblier AI + ACI
        assesses the criteria of both (:meth:`Criterion.applies_to`)."""
        return tuple(dict.fromkeys([self.type, *self.types]))

    @property
    def type_text(self) -> str:
        """« AI + ACI »: the types as a sheet shows them."""
        return " + ".join(t.value for t in self.all_types)

    @property
    def type_label(self) -> str:
        """« Association intermédiaire + Atelier et chantier d'insertion »."""
        return " + ".join(t.label for t in self.all_types)

    def pair_for(self, chapter: str) -> Pair | ChapterPair | None:
        """Who reviews ``chapter`` as the pair: its own entry, else ``pair``, else nobody."""
        own = next((p for p in self.pairs if p.chapter == chapter), None)
        return own or self.pair


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
    address: str | None = None  # the real place (street, town): the events' LOCATION
    visio_link: str | None = None  # the meeting's link, in the events and the reminders
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
        return yaml_date(value)

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
    respondents_by_role: bool = False  # « Salarié·e en parcours 2 » instead of names
    referentiel: str | None = None  # a référentiel's ``id`` (``referentiels``); none: the default
    campaign: CampaignId | None = None  # its structures' campaign; None: the top-level one

    def structure(self, structure_id: str) -> Structure:
        return next(s for s in self.structures if s.id == structure_id)

    def phases(self) -> list[Phase]:
        return sorted(self.calendar, key=lambda p: p.starts_at)

    def closed(self, today: dt.date) -> bool:
        """Whether the collectif's clôture has come, from its date (a tentative one's month
        counts from the date given, as the close restitution does): only then is « Non
        éligible » a verdict; before, « Synthèse », « Label » and the network say « En cours »."""
        closes = [p.date for p in self.calendar if p.kind == PhaseKind.CLOTURE]
        return bool(closes) and today >= max(closes)

    @property
    def tiers(self) -> list[Delegate]:
        """The collectif's tiers: its délégué·e·s whose role is ``tiers``."""
        return [d for d in self.delegates if d.role == DelegateRole.TIERS]

    def by_role(self, structure: Structure) -> bool:
        """Whether ``structure``'s respondents are shown by role and number, not by name."""
        if structure.respondents_by_role is not None:
            return structure.respondents_by_role
        return self.respondents_by_role


class Settings(_Model):
    """Campaign-wide knobs (documented in docs/configuration.md)."""

    late_days: int = Field(default=14, ge=0)
    help_contact: str | None = None
    restitution_days_before: int = Field(default=10, ge=0, le=90)  # before a regroupement
    kit_days_before: int = Field(default=10, ge=0, le=90)  # the regroupement kit, likewise
    calendar_alarm_days: list[Annotated[int, Field(ge=0)]] = Field(
        default_factory=lambda: [14, 3]
    )  # reminders (VALARM) of the structures' calendars, days before each event
    plan_review_months: int = Field(default=6, ge=1, le=24)  # plan review after restitution


class SmtpSecurity(StrEnum):
    STARTTLS = "starttls"
    SSL = "ssl"
    NONE = "none"  # only for a relay on the same machine


class Smtp(_Model):
    """The mail server; the password is read from ``password_env``, never from this file."""

    host: NonEmpty
    port: int = Field(default=587, ge=1, le=65535)
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    user: str | None = None
    # the NAME of a variable, never the password: a password written here would be echoed
    password_env: Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")] = "CAPSYNC_SMTP_PASSWORD"
    timeout_seconds: float = Field(default=30, gt=0)


class Mail(_Model):
    """Invitations, reminders and digests (docs/configuration.md, « mail »)."""

    enabled: bool = True
    sender: EmailStr = "cap-rse@capsync.invalid"
    sender_name: str = "CAP RSE — COORACE"
    smtp: Smtp | None = None  # none: each message is an .eml file in <data>/outbox/
    per_minute: int = Field(default=30, ge=1)
    admins: list[EmailStr] = Field(default_factory=list)  # told when a daemon cycle fails
    opt_out: list[EmailStr] = Field(default_factory=list)  # people who receive nothing
    reminder_days: list[Annotated[int, Field(ge=0)]] = Field(default_factory=lambda: [14, 3])
    plan_days: int = Field(default=7, ge=0)  # an action's échéance is « proche »
    digest_weekday: int = Field(default=1, ge=1, le=7)  # 1 = lundi


class NationalContact(_Model):
    """A person of COORACE national: receives the network workbook (``capsync reseau``)."""

    name: NonEmpty
    email: EmailStr


class Config(_Model):
    """A whole configuration file. Relative paths in it are relative to the file."""

    backend: Backend = Backend()
    referentiel: NonEmpty  # the default référentiel's file, for collectifs that name none
    campaign: CampaignId = DEFAULT_CAMPAIGN  # the current campaign (« 2025-2026 »)
    referentiels: list[NonEmpty] = Field(default_factory=list)  # other référentiels' files
    decisions: str | None = None  # the délégué·e·s' decisions file (labels, services), YAML
    national: list[NationalContact] = Field(default_factory=list)  # the network view's readers
    settings: Settings = Settings()
    mail: Mail = Mail()
    collectives: list[Collective] = Field(min_length=1)

    def collective(self, collective_id: str) -> Collective:
        return next(c for c in self.collectives if c.id == collective_id)

    @model_validator(mode="before")
    @classmethod
    def _campaign_inherited(cls, data: Any) -> Any:
        """Each collectif and structure without ``campaign:`` is in the one above it, so
        ``structure.campaign`` always names the structure's current campaign."""
        if not isinstance(data, dict) or not isinstance(data.get("collectives"), list):
            return data
        top = _campaign_text(data.get("campaign", DEFAULT_CAMPAIGN))
        collectives = []
        for coll in data["collectives"]:
            if isinstance(coll, dict):
                own = _campaign_text(coll.get("campaign")) or _inherited(top)
                structures = coll.get("structures")
                if isinstance(structures, list):
                    structures = [
                        {**s, "campaign": _campaign_text(s.get("campaign")) or _inherited(own)}
                        if isinstance(s, dict)
                        else s
                        for s in structures
                    ]
                    coll = {**coll, "structures": structures}
                coll = {**coll, "campaign": own}
            collectives.append(coll)
        return {**data, "campaign": top, "collectives": collectives}


def _campaign_text(value: Any) -> Any:
    """``campaign: 2026`` (a YAML number) is the campaign « 2026 »."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _inherited(value: Any) -> Any:
    """What a collectif or a structure inherits: a wrong ID is reported once, where it is
    written, not again on every structure below it."""
    ok = isinstance(value, str) and re.fullmatch(CAMPAIGN_PATTERN, value) and len(value) <= 40
    return value if ok else None


def campaign_of(structure: Structure) -> str:
    """The structure's current campaign, as the configuration names it."""
    return structure.campaign or DEFAULT_CAMPAIGN
