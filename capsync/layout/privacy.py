"""Respondents by role, not by name, in what délégué·e·s and the direction read (pure).

When a collectif or a structure sets ``respondents_by_role``, a respondent is
« Salarié·e en parcours 2 » everywhere but the place where they type (their
column of the grid, their personal file). The dashboard's own tables carry no
respondent name; the one place names slip in is what capsync says about files:
an anomaly names a personal file (« karim-benali.xlsx »), a column key
(« r:karim-benali ») or a column header (« Karim Benali (Salarié·e permanent·e) »).
:func:`private_anomalies` rewrites those, for the structures concerned, before
the dashboard lays them out; :func:`contacts_anomalies` does the same, and hides the
person's answer, for what the structure's own contacts read (« À corriger », its file and
its mail); the store keeps the messages as they were.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pandas as pd

from capsync.campaign.config import Collective, Structure
from capsync.campaign.vocabulary import RespondentRole
from capsync.workbook.grid_schema import respondent_columns

TEXT_COLUMNS = ("source", "sheet", "cell", "value", "message")


def role_aliases(structure: Structure) -> dict[str, str]:
    """Each respondent's names as capsync writes them → « Salarié·e en parcours 2 »."""
    seen: dict[str, int] = {}
    aliases: dict[str, str] = {}
    for person, column in zip(structure.respondents, respondent_columns(structure), strict=False):
        label = RespondentRole(person.role).label
        seen[label] = seen.get(label, 0) + 1
        alias = f"{label} {seen[label]}"
        slug = column.key.split(":", 1)[1]
        for needle in (column.header, column.key, person.name, slug):
            aliases[unicodedata.normalize("NFC", needle)] = alias
    return aliases


def _pattern(aliases: dict[str, str]) -> re.Pattern[str]:
    """One regex of every alias, longest first, so « Karim Benali (…) » wins over « Karim »."""
    needles = sorted(aliases, key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)


def pseudonymise(text: str, aliases: dict[str, str], pattern: re.Pattern[str]) -> str:
    lowered = {k.casefold(): v for k, v in aliases.items()}
    return pattern.sub(
        lambda m: lowered.get(m.group(0).casefold(), m.group(0)),
        unicodedata.normalize("NFC", text),
    )


def private_anomalies(anomalies: pd.DataFrame, collective: Collective) -> pd.DataFrame:
    """``anomalies`` with the respondents of by-role structures named by role and number."""
    if anomalies.empty or "structure" not in anomalies:
        return anomalies
    rules = {
        s.id: (aliases, _pattern(aliases))
        for s in collective.structures
        if collective.by_role(s) and (aliases := role_aliases(s))
    }
    if not rules:
        return anomalies
    frame = anomalies.copy()
    for column in (c for c in TEXT_COLUMNS if c in frame):
        frame[column] = [
            pseudonymise(value, *rules[str(sid)])
            if isinstance(value, str) and str(sid) in rules
            else value
            for sid, value in zip(frame["structure"], frame[column], strict=True)
        ]
    return frame


CONFIDENTIAL = (
    "Une réponse de ce fichier personnel est à revoir. Par respect de la "
    "confidentialité des réponses, elle n'est pas citée ici : la personne concernée peut la "
    "corriger dans son fichier, et votre délégué·e peut vous aider."
)


def contacts_anomalies(
    rows: list[dict[str, Any]], collective: Collective, structure: Structure
) -> list[dict[str, Any]]:
    """``rows`` as the structure's contacts may read them (« À corriger », its file and mail).

    The guide promises that with ``respondents_by_role`` the employer does not see what
    each salarié·e en parcours answered, yet a personal file's anomaly names its person
    and quotes their answer. For such a structure, an anomaly that names a respondent
    keeps where it is (onglet, cellule) and the person's role and number, but neither
    the value nor capsync's message quoting it. Other structures' rows are unchanged.
    """
    aliases = role_aliases(structure) if collective.by_role(structure) else {}
    if not aliases:
        return rows
    pattern = _pattern(aliases)
    found = []
    for row in rows:
        texts = {c: row[c] for c in TEXT_COLUMNS if isinstance(row.get(c), str)}
        private = {c: pseudonymise(v, aliases, pattern) for c, v in texts.items()}
        if private == {c: unicodedata.normalize("NFC", v) for c, v in texts.items()}:
            found.append(row)
            continue
        found.append({**row, **private, "value": "", "message": CONFIDENTIAL})
    return found
