"""Carry a personal file's typed values into its new version (pure), for ``generate --upgrade``.

A personal file (:mod:`capsync.layout.personal_grid`) is rebuilt like a grid
when the référentiel it was made for changed, or when it came back in
another format (an .ods saved by LibreOffice) and goes back in place as an
.xlsx. Its respondent's level and comment are carried by criterion ID; what
has no place any more (a criterion removed or no longer applying to the
structure, a column or sheet the person added, text above the headers) is
kept in its « Archives » sheet, as typed, with where it came from: nothing
the person typed is lost.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from capsync.campaign.config import Structure
from capsync.campaign.referentiel import Referentiel
from capsync.parse.answers import OWN_COMMENT_SUFFIX
from capsync.parse.carry import UpgradeReport, _Carrier, read_identity
from capsync.parse.locate import locate_personal_sheet
from capsync.workbook.grid_schema import (
    ARCHIVE_SHEET,
    COL_ID,
    GUIDE_SHEET,
    IDENTITY_SHEET,
    LAYOUT_VERSION,
    LISTS_SHEET,
    Carried,
)
from capsync.workbook.identity import Identity


def personal_outdated(identity: Identity, referentiel: Referentiel, key: str) -> bool:
    """Whether a personal file was built for another layout, référentiel or respondent."""
    return (
        identity.layout_version != LAYOUT_VERSION
        or identity.referentiel_id != referentiel.id
        or identity.referentiel_version != referentiel.version
        or identity.respondents != (key,)
    )


def carry_personal(
    raw: dict[str, list[list[Any]]],
    referentiel: Referentiel,
    structure: Structure,
    key: str,
    today: dt.date,
) -> tuple[Carried, UpgradeReport]:
    """Everything typed in the personal file ``raw`` of respondent ``key``, placed or archived.

    The values are read under the file's own respondent key (its identity), so
    a file made before its respondent's key changed is still read as theirs.
    """
    identity = read_identity(raw)
    old_key = identity.respondents[0] if identity and identity.respondents else key
    carrier = _Carrier(referentiel, structure, today)
    carrier.personal = True
    carrier.input_keys = {key, f"{key}{OWN_COMMENT_SUFFIX}"}
    if old_key != key:
        carrier.mapping = {
            old_key: key,
            f"{old_key}{OWN_COMMENT_SUFFIX}": f"{key}{OWN_COMMENT_SUFFIX}",
        }
    for sheet, rows in raw.items():
        if sheet in (IDENTITY_SHEET, LISTS_SHEET, GUIDE_SHEET):
            continue
        if sheet == ARCHIVE_SHEET:
            carrier.old_archives(sheet, rows)
            continue
        located = locate_personal_sheet(sheet, rows, old_key)
        if located is not None and COL_ID in located.columns:
            carrier.chapter(sheet, rows, located)
        else:
            carrier.whole_sheet(sheet, rows)
    carrier.carried.archive_rows += carrier.fresh_archives
    return carrier.carried, carrier.report
