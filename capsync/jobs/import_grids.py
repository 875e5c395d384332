"""Bring in grids that came back by e-mail (``capsync import``), never losing anyone's answers.

A returned file may have any name and any format (.xlsx, .ods, .xls, told by
its content): it is recognised by its hidden identity sheet, never by its
name. Every person's answers belong to that person, so a returned file is
*merged*, never simply copied over the grid in place:

1. the grid in place is pulled first, so what was typed there is in the store;
2. the returned file is recorded as a copy capsync never saw
   (:mod:`capsync.store.ownership`): it adds and changes answers, removes
   none, cannot revert a value with an older one (« copie périmée »), and a
   value replacing another file's is a « copies en conflit » anomaly;
3. the grid in place becomes the result: the returned file itself when it is
   an .xlsx already holding everything the store has for the structure (the
   common case: the structure filled its only grid offline), else a grid
   rebuilt by the upgrade path (:func:`merged_carried`) holding the store's
   answers, both files' plan rows and archives. Either way the previous grid
   is kept as a dated backup first.

A personal file (one respondent's, see :mod:`capsync.layout.personal_grid`)
goes back to its own place and changes only its respondent's column; one
saved as .ods or .xls goes back as the .xlsx it came from, rebuilt around what
it holds (:mod:`capsync.parse.carry_personal`: its levels and comments carried,
anything else kept in its « Archives »). Each
file is judged on its own; a refused file says why, in French, naming it. A grid
of another campaign than the structure's current one (the closed campaign's
archive, a copy saved before ``nouvelle-campagne``) is refused: merged, it would
make last campaign's answers current. A value the rebuilt grid holds that capsync
cannot read (« trois ») stays as typed, never replaced by the older stored one.

On Google Sheets the grid in place is a live sheet, not a file to replace:
:mod:`capsync.jobs.import_sheet` records the returned file as a copy of its
own and types its answers into the sheet's empty cells only.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from capsync.backends.base import Backend
from capsync.backends.xlsx_read import XLSX, read_workbook, workbook_format
from capsync.campaign.config import Collective, Structure, campaign_of
from capsync.campaign.validation import Campaign
from capsync.errors import BackendError, BackendUnavailable, ImportRefused
from capsync.jobs.import_sheet import import_into_sheet
from capsync.jobs.new_campaign import campaign_in_force
from capsync.jobs.pull import pull
from capsync.layout.grid import grid_spec
from capsync.layout.personal_grid import personal_spec
from capsync.parse.answers import Anomaly, AnomalyKind, ParsedGrid
from capsync.parse.carry import carry_over, older_copy
from capsync.parse.carry_personal import carry_personal
from capsync.parse.grid import parse_grid
from capsync.parse.messages import older_copy_message
from capsync.parse.personal import PERSONAL_KIND, parse_personal
from capsync.store.campaigns import structure_campaigns
from capsync.store.database import Store
from capsync.store.sync_state import raw_hash
from capsync.workbook.grid_schema import (
    LAYOUT_VERSION,
    Carried,
    RespondentColumn,
    respondent_columns,
)
from capsync.workbook.identity import IDENTITY_SHEET, Identity, identity_from_rows
from capsync.workbook.refs import Kind, RawWorkbook, WorkbookRef

log = logging.getLogger("capsync")


@dataclass(frozen=True)
class Imported:
    """A grid put in place: where it went and where the previous one was kept."""

    file: Path
    collective: str
    structure: str
    location: str
    backup: str | None  # None when there was no grid in place
    unchanged: bool = False  # the same file was already in place
    merged: bool = False  # the grid in place was rebuilt around the store's answers
    anomalies: tuple[Anomaly, ...] = ()  # conflicts and stale values met (French messages)


def _refuse(path: Path, reason: str) -> ImportRefused:
    return ImportRefused(f"{path.name} : {reason}")


def _about_this_file(message: str, path: Path) -> str:
    """The reader's sentence about the file (« Le fichier /chemin/x.xlsx n'est pas un
    classeur… »), said of « ce fichier »: the line already names it, and the reader's
    sentence in brackets after « pas une grille capsync » read as two messages in one."""
    for named, said in ((f"Le fichier {path} : ", ""), (f"Le fichier {path} ", "ce fichier ")):
        if message.startswith(named):
            return said + message.removeprefix(named)
    return f"ce fichier n'a pas pu être lu ({message})"


def read_returned(path: Path) -> tuple[RawWorkbook, Identity]:
    """The values and identity of a returned grid; refuse what is not a capsync grid."""
    if not Path(path).is_file():
        raise _refuse(path, "fichier introuvable.")
    try:
        raw = read_workbook(path)
    except BackendUnavailable as exc:
        reason = "fichier occupé ou inaccessible, il n'a pas pu être lu : relancez l'import."
        raise _refuse(path, reason) from exc
    except BackendError as exc:
        raise _refuse(path, _about_this_file(str(exc), path)) from exc
    identity = identity_from_rows(raw.get(IDENTITY_SHEET, []))
    if identity is not None and identity.kind not in (Kind.GRID.value, PERSONAL_KIND):
        raise _refuse(
            path,
            f"ce fichier est un classeur capsync de type « {identity.kind} », pas une grille "
            "d'auto-évaluation : seules les grilles des structures s'importent.",
        )
    if identity is None or not identity.structure:
        raise _refuse(
            path,
            "ce fichier n'est pas une grille capsync (il n'a pas l'onglet caché "
            f"« {IDENTITY_SHEET} » qui identifie la structure).",
        )
    return raw, identity


def file_identity(path: Path) -> Identity:
    """The identity of a returned grid; refuse what is not a capsync grid."""
    return read_returned(path)[1]


def import_grid(
    path: Path,
    campaign: Campaign,
    backend: Backend,
    store: Store | None = None,
    *,
    collective: str | None = None,
    now: dt.datetime,
) -> Imported:
    """Merge one returned grid into its structure's grid and the store; raise ImportRefused.

    ``store`` defaults to the campaign's (opened for this file only).
    """
    path = Path(path)
    raw, identity = read_returned(path)
    if collective and identity.collective != collective:
        raise _refuse(
            path,
            f"cette grille est celle d'une structure du collectif « {identity.collective} », "
            f"pas du collectif « {collective} » demandé.",
        )
    known = {(c.id, s.id) for c in campaign.config.collectives for s in c.structures}
    if (identity.collective, identity.structure) not in known:
        raise _refuse(
            path,
            f"la structure « {identity.structure} » (collectif « {identity.collective} ») "
            "est inconnue de la configuration.",
        )
    expected = campaign.referentiel_for(identity.collective)
    if identity.referentiel_id not in ("", expected.id):
        raise _refuse(
            path,
            f"cette grille a été faite à partir du référentiel « {identity.referentiel_id} », "
            f"or le collectif « {identity.collective} » suit le référentiel « {expected.id} » : "
            "elle n'est pas importée (ses critères ne sont pas ceux de la grille en place).",
        )
    campaign = campaign.for_collective(identity.collective)  # its référentiel from here on
    if store is None:
        with Store.open(campaign.data_dir) as own:
            return import_grid(path, campaign, backend, own, collective=collective, now=now)
    coll = campaign.config.collective(identity.collective)
    structure = coll.structure(identity.structure)
    _known_layout(path, identity)
    _same_campaign(path, identity, backend, store, coll, structure)
    if not backend.files_are_xlsx:  # a live Google Sheet: its empty cells are filled
        found = import_into_sheet(path, raw, identity, campaign, backend, store, now=now)
        return Imported(path, coll.id, structure.id, found.location, None, merged=True,
                        anomalies=found.anomalies)  # fmt: skip
    if identity.kind == PERSONAL_KIND:
        return _import_personal(path, raw, identity, campaign, backend, store, coll, now)
    return _import_grid(path, raw, identity, campaign, backend, store, coll, structure, now)


def _known_layout(path: Path, identity: Identity) -> None:
    """Refuse a grid laid out by a newer capsync: its columns may mean what this one does
    not know, and merging it would read them wrong."""
    if identity.layout_version > LAYOUT_VERSION:
        raise _refuse(
            path,
            f"ce fichier a été fait par une version plus récente de capsync (mise en page "
            f"{identity.layout_version} ; celle-ci lit jusqu'à la {LAYOUT_VERSION}). Il n'est "
            "pas importé (rien n'a été changé) : mettez capsync à jour, puis importez-le.",
        )


def _same_campaign(
    path: Path,
    identity: Identity,
    backend: Backend,
    store: Store,
    coll: Collective,
    structure: Structure,
) -> None:
    """Refuse a grid of another campaign than the structure's current one (its closed
    campaign's archive, a copy saved before ``nouvelle-campagne``): merged, it would make
    last campaign's answers current and clear the new grid's « à confirmer » marks.

    A grid made before campaigns (no campaign in its identity) is of the structure's
    first campaign; a personal file does not say its campaign and is not judged here."""
    if identity.kind == PERSONAL_KIND and not identity.campaign:
        return
    went = structure_campaigns(store, coll.id, structure.id)
    made = identity.campaign or (went[0] if went else "")
    current = campaign_in_force(backend, store, coll, structure)
    if not made or made == current:
        return
    # the campaign the configuration names, not started yet for it: one still to come
    closed = made != campaign_of(structure) or made in went
    why = (
        "les réponses d'une campagne close restent dans son archive ; recopiez dans la grille "
        "en place celles qui valent encore."
        if closed
        else "cette campagne n'a pas commencé pour la structure (capsync nouvelle-campagne "
        "la lance) ; gardez ce fichier d'ici là."
    )
    raise _refuse(
        path,
        f"ce fichier est une grille de la campagne « {made} » ; la campagne en cours de "
        f"« {structure.id} » est « {current} ». Elle n'est pas importée (rien n'a été "
        f"changé) : {why}",
    )


def _import_grid(
    path: Path,
    raw: RawWorkbook,
    identity: Identity,
    campaign: Campaign,
    backend: Backend,
    store: Store,
    coll: Collective,
    structure: Structure,
    now: dt.datetime,
) -> Imported:
    ref = WorkbookRef(identity.collective, Kind.GRID, identity.structure)
    content = path.read_bytes()
    location = backend.location(ref)
    in_place = _identity_in_place(backend, ref) if backend.exists(ref) else None
    if in_place is not None and _same_file(backend, ref, content):
        return Imported(path, ref.collective, ref.name, location, None, True)
    if backend.exists(ref) and backend.is_locked(ref):
        raise _refuse(
            path,
            f"la grille en place {location} est ouverte dans un tableur : "
            "fermez-la, puis relancez l'import.",
        )
    pull(campaign, backend, store, collective=coll.id, now=now)  # what was typed in place first
    referentiel = campaign.referentiel
    parsed = parse_grid(raw, referentiel=referentiel, collective=coll.id, structure=structure,
                        source=location)  # fmt: skip
    parsed.fresh, parsed.label = True, path.name
    if in_place is not None and older_copy(identity, in_place, referentiel, structure):
        parsed.anomalies.append(
            Anomaly(
                structure.id,
                location,
                "",
                "",
                path.name,
                older_copy_message(structure.id),
                AnomalyKind.STALE_COPY,
            )
        )
    summary = store.record_grid(coll.id, structure.id, parsed, "", raw_hash(raw), now)
    backup = _backup(backend, ref, path, now)
    whole = _holds_everything(store, coll.id, structure.id, parsed)
    before = read_in_place(backend, ref, campaign, structure, now)
    if workbook_format(path) == XLSX and whole and not summary.notes and not before.typed:
        _put(backend, ref, content, path)
        merged = False
    else:  # rebuilt around the store's answers: an .ods becomes a proper .xlsx grid
        carried = merged_carried(raw, before, ref, store, campaign, structure, now,
                                 parsed.unreadable)  # fmt: skip
        _write(backend, ref, grid_spec(referentiel, coll, structure,
                                       campaign.config.settings, carried), path)  # fmt: skip
        merged = True
    log.info("imported %s into %s (merged: %s)", path, location, merged)
    notes = tuple(summary.notes)
    return Imported(path, ref.collective, ref.name, location, backup, False, merged, notes)


def _import_personal(
    path: Path,
    raw: RawWorkbook,
    identity: Identity,
    campaign: Campaign,
    backend: Backend,
    store: Store,
    coll: Collective,
    now: dt.datetime,
) -> Imported:
    """A personal file goes back to its own place; it changes only its respondent's cells."""
    structure = coll.structure(identity.structure)
    key = identity.respondents[0] if identity.respondents else ""
    ref = WorkbookRef(coll.id, Kind.PERSONAL, f"{structure.id}/{key.split(':', 1)[-1]}")
    location = backend.location(ref)
    content = path.read_bytes()
    if backend.exists(ref) and _same_file(backend, ref, content):
        return Imported(path, coll.id, structure.id, location, None, True)
    pull(campaign, backend, store, collective=coll.id, now=now)
    parsed = parse_personal(raw, campaign.referentiel, coll.id, structure, location)
    parsed.fresh, parsed.label = True, path.name
    summary = store.record_grid(coll.id, structure.id, parsed, "", raw_hash(raw), now)
    backup = _backup(backend, ref, path, now)
    if workbook_format(path) == XLSX:
        _put(backend, ref, content, path)
        rebuilt = False
    else:  # an .ods or .xls goes back in place as the .xlsx it came from, with its values
        column = next((c for c in respondent_columns(structure) if c.key == key),
                      RespondentColumn(key, key.split(":", 1)[-1]))  # fmt: skip
        carried, _ = carry_personal(raw, campaign.referentiel, structure, key, now.date())
        _write(backend, ref, personal_spec(campaign.referentiel, coll, structure, column,
                                           carried), path)  # fmt: skip
        rebuilt = True
    log.info("imported personal file %s into %s (rebuilt: %s)", path, location, rebuilt)
    return Imported(path, coll.id, structure.id, location, backup, anomalies=tuple(summary.notes))


def _backup(backend: Backend, ref: WorkbookRef, path: Path, now: dt.datetime) -> str | None:
    if not backend.exists(ref):
        return None
    try:
        return backend.backup(ref, now)
    except BackendError as exc:  # no backup, no replacement: the next file goes on
        raise _refuse(path, str(exc)) from exc


def _holds_everything(store: Store, collective: str, structure: str, parsed: ParsedGrid) -> bool:
    """Whether the returned file already says all the store has for the structure: then it
    can go in place as it is, with the structure's own formatting."""
    typed = {(a.criterion, a.column): a.text for a in parsed.answers}
    typed.update({(t.criterion, t.column): t.text for t in parsed.texts})
    cells = store.structure_cells(collective, structure)
    if any(typed.get(key) != text for key, text in cells.items()):
        return False
    plan = {(a.criterion, a.action, a.responsable, a.statut, a.commentaire) for a in parsed.actions}
    return all(
        (r[0] or "", r[3] or "", r[4] or "", r[6] or "", r[7] or "") in plan
        for r in store.structure_plan(collective, structure)
    )


@dataclass(frozen=True)
class InPlace:
    """The grid in place, as an import finds it: its values placed for the rebuilt grid
    (None: no grid, or a broken one its backup keeps) and the values it holds that capsync
    could not read (the store has none of them: only this grid does)."""

    carried: Carried | None = None
    typed: dict[tuple[str, str], Any] = field(default_factory=dict)


def read_in_place(
    backend: Backend, ref: WorkbookRef, campaign: Campaign, structure: Structure, now: dt.datetime
) -> InPlace:
    if not backend.exists(ref):
        return InPlace()
    try:
        raw = backend.read(ref)
    except BackendError:
        return InPlace()  # a broken grid in place: its backup keeps it
    carried, _ = carry_over(raw, campaign.referentiel, structure, now.date())
    kept = _unreadable(raw, campaign, ref.collective, structure)
    return InPlace(carried, {k: v for k, v in carried.answers.items() if k in kept})


def merged_carried(
    raw: RawWorkbook,
    in_place: InPlace,
    ref: WorkbookRef,
    store: Store,
    campaign: Campaign,
    structure: Structure,
    now: dt.datetime,
    unreadable: set[tuple[str, str]] | None = None,
) -> Carried:
    """What the rebuilt grid holds: the store's answers (the truth once both files are
    recorded), the cells it could not read as typed (the returned file's, else the grid
    in place's: the newest thing a person typed, its anomaly kept), the store's plan rows,
    and the « Archives » of both the returned file and the grid it replaces (with the
    unreadable values of the grid in place that the rebuilt grid no longer shows).

    ``unreadable``: the returned file's cells its reading kept apart (``ParsedGrid``);
    read again from ``raw`` when not given."""
    carried, _ = carry_over(raw, campaign.referentiel, structure, now.date())
    if unreadable is None:
        unreadable = _unreadable(raw, campaign, ref.collective, structure)
    cells = store.structure_cells(ref.collective, structure.id)
    answers: dict[tuple[str, str], Any] = {k: v for k, v in carried.answers.items()
                                           if k not in cells or k in unreadable}  # fmt: skip
    for cell, text in cells.items():  # an unreadable value typed in place beats the older one
        answers.setdefault(cell, in_place.typed.get(cell, text))
    for cell, value in in_place.typed.items():
        answers.setdefault(cell, value)
    carried.answers = answers
    plan = store.structure_plan(ref.collective, structure.id)
    if plan:
        carried.plan_rows = plan
    if in_place.carried is not None:
        for key, header in in_place.carried.respondent_headers.items():
            carried.respondent_headers.setdefault(key, header)
        seen = {tuple(r) for r in carried.archive_rows}
        carried.archive_rows += [r for r in in_place.carried.archive_rows
                                 if tuple(r) not in seen]  # fmt: skip
    carried.archive_rows += _replaced(in_place.typed, answers, ref, now.date())
    return carried


def _unreadable(
    raw: RawWorkbook, campaign: Campaign, collective: str, structure: Structure
) -> set[tuple[str, str]]:
    """The (criterion, column) cells of ``raw`` holding a value its reading could not take."""
    parsed = parse_grid(raw, referentiel=campaign.referentiel, collective=collective,
                        structure=structure, source="")  # fmt: skip
    return set(parsed.unreadable)


def _replaced(
    typed: dict[tuple[str, str], Any],
    answers: dict[tuple[str, str], Any],
    ref: WorkbookRef,
    today: dt.date,
) -> list[list[Any]]:
    """Archive rows of the values typed in the grid in place that capsync could not read
    and that the rebuilt grid does not show any more: they exist nowhere else."""
    return [
        [f"grille en place avant l'import ({ref.name})", None, criterion, column, value, today]
        for (criterion, column), value in sorted(typed.items())
        if str(answers.get((criterion, column))) != str(value)
    ]


def _write(backend: Backend, ref: WorkbookRef, spec: Any, path: Path) -> None:
    try:
        backend.write(ref, spec)
    except BackendError as exc:  # FileLocked included: the grid in place is open
        raise _refuse(path, str(exc)) from exc


def _identity_in_place(backend: Backend, ref: WorkbookRef) -> Identity | None:
    try:
        raw = backend.read(ref)
    except BackendError:
        return None  # a broken grid in place: the backup keeps it, the import repairs it
    return identity_from_rows(raw.get(IDENTITY_SHEET, []))


def _same_file(backend: Backend, ref: WorkbookRef, content: bytes) -> bool:
    try:
        return backend.read_bytes(ref) == content
    except BackendError:
        return False  # unreadable in place: the import puts a readable grid there


def _put(backend: Backend, ref: WorkbookRef, content: bytes, path: Path) -> None:
    try:
        backend.write_bytes(ref, content)
    except BackendError as exc:  # FileLocked included: the grid in place is open
        raise _refuse(path, str(exc)) from exc
