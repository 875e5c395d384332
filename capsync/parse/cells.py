"""Reading one cell as people type it: levels, dates, plan statuses (pure).

People type levels in every spelling (« 3 », 3.0, « 3 – maîtrisé », « MAÎTRISÉ »,
« NA », « ? ») and dates as text or as real dates. Each reader returns what
the cell means, or None (ValueError for dates) when it cannot be read, so the
caller turns that into an anomaly naming the cell.

Speed matters (hundreds of grids per pull): the accepted spellings of a scale
are computed once per référentiel into one dict, and each cell costs one
lookup in the common case.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from capsync.campaign.referentiel import Referentiel, Scale
from capsync.parse.answers import AnswerKind
from capsync.workbook.grid_schema import PLAN_STATUSES
from capsync.workbook.spec import column_letter as _column_letter

_LETTERS = [_column_letter(i) for i in range(256)]


def column_letter(col: int) -> str:
    """The letters of a 0-based column (« A », « AB »), the first 256 precomputed."""
    return _LETTERS[col] if col < 256 else _column_letter(col)


def normalize(text: str) -> str:
    """« 3 – MAÎTRISÉ » → « 3 maitrise »: no accents, no case, punctuation as single spaces."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9?]+", " ", ascii_text.lower()).split())


_BUILTIN_NA = ("Non applicable", "N/A", "NA", "N.A.", "Sans objet", "Non concerné")
_BUILTIN_NSP = ("Ne sait pas", "NSP", "?", "Ne sais pas", "Je ne sais pas", "NSPP")

Reading = tuple[AnswerKind, int | None]  # (kind, level)

_SIGNS = frozenset("<>≤≥⩽⩾+-−")  # a value starting with one of these is not a plain level
_WHOLE = re.compile(r"^\s*(\d+)(?:[.,]0+)?\s*$")


class LevelReader:
    """Every accepted spelling of one scale, computed once: text → (kind, level)."""

    def __init__(self, scale: Scale):
        self.scale = scale
        self.values = set(scale.values)
        table: dict[str, Reading] = {}
        for lv in scale.levels:
            reading = (AnswerKind.LEVEL, lv.value)
            for spelling in (
                str(lv.value),
                lv.label,
                f"{lv.value} {lv.label}",
                f"niveau {lv.value}",
                f"niveau {lv.value} {lv.label}",
            ):
                table[normalize(spelling)] = reading
        for answer, kind, builtin in (
            (scale.not_applicable, AnswerKind.NOT_APPLICABLE, _BUILTIN_NA),
            (scale.unknown, AnswerKind.UNKNOWN, _BUILTIN_NSP),
        ):
            for spelling in (answer.label, *answer.aliases, *builtin):
                table.setdefault(normalize(spelling), (kind, None))
        self._normalized = table
        # Exact spellings seen so far (the drop-down's own labels first): one lookup per cell.
        self._exact: dict[str, Reading | None] = {}
        for label in scale.choice_labels():
            self._exact[label] = table[normalize(label)]
        low, high = min(scale.values), max(scale.values)
        self.expected = (
            f"choisissez un niveau de {low} à {high} dans la liste, "
            f"« {scale.not_applicable.label} » ou « {scale.unknown.label} »."
        )

    def read_text(self, text: str) -> Reading | None:
        """The reading of a typed text, None when it is not an accepted spelling.

        A leading comparison or sign (« <3 », « ≥ 3 », « -1 », « +2 »), even after
        spaces, says something other than the level its digits name: it is not
        read, so the structure is asked. Decimals (« 2,5 », « 2.5 ») are not
        levels either: the scale has whole levels only.
        """
        try:
            return self._exact[text]
        except KeyError:
            pass
        signed = text.lstrip()[:1] in _SIGNS
        reading = None if signed else self._normalized.get(normalize(text))
        if reading is None and not signed:
            number = _number(text)
            if number is not None and number in self.values:
                reading = (AnswerKind.LEVEL, number)
        if len(self._exact) < 10_000:
            self._exact[text] = reading
        return reading

    def read_number(self, number: float) -> Reading | None:
        """A number typed in the cell: a whole value of the scale, else None (2.5, 7, -1)."""
        if number.is_integer() and int(number) in self.values:
            return (AnswerKind.LEVEL, int(number))
        return None


def _number(text: str) -> int | None:
    """« 3 », « 3,0 », « 3.00 » → 3; anything else (« 1e0 », « 3.5 », « -1 ») → None."""
    match = _WHOLE.match(text)
    return int(match.group(1)) if match else None


_READERS: dict[int, tuple[Scale, LevelReader]] = {}


def level_reader(referentiel: Referentiel) -> LevelReader:
    """The reader of a référentiel's scale, built once and reused."""
    scale = referentiel.scale
    cached = _READERS.get(id(scale))
    if cached is None or cached[0] is not scale:
        cached = (scale, LevelReader(scale))
        _READERS[id(scale)] = cached
    return cached[1]


def display(value: Any) -> str:
    """A cell value as a person would read it in the sheet (a French one: 2.5 is « 2,5 »)."""
    if type(value) is str:  # most cells, first: one test instead of five
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.15g}".replace(".", ",")  # at most the digits a spreadsheet shows
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return f"{value:%d/%m/%Y}"
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return str(value).strip()


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DMY = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4}|\d{2})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def read_date(value: Any) -> dt.date | None:
    """A date cell as a date; raise ValueError when it is not one (an empty cell is None).

    Only dates of years 2000–2100 are dates of this campaign: « 2026 » typed alone,
    or a year typed as 1926, is asked again rather than read as a date a century off.
    Digits typed as text are never Excel serial numbers (« 2026 » is not 18/07/1905).
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
    return _in_campaign_years(_read_date(value))


def _read_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(float(value))
    if isinstance(value, str):
        text = value.strip()
        if match := _DMY.match(text):
            day, month, year = (int(g) for g in match.groups())
            if len(match.group(3)) == 2:
                year += 2000
            return dt.date(year, month, day)
        if match := _YMD.match(text):
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day)
    raise ValueError(f"not a date: {value!r}")


_FIRST_YEAR, _LAST_YEAR = 2000, 2100
_SERIALS = (36526, 73051)  # 01/01/2000 and 01/01/2100 as Excel serial day numbers


def _in_campaign_years(date: dt.date) -> dt.date:
    if not _FIRST_YEAR <= date.year <= _LAST_YEAR:
        raise ValueError(f"date out of the campaign's years: {date}")
    return date


def _serial(number: float) -> dt.date:
    """An Excel serial day number (1900 system, as Excel and LibreOffice write it)."""
    if not _SERIALS[0] <= number <= _SERIALS[1]:
        raise ValueError(f"not a date serial of years 2000–2100: {number}")
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))


_STATUSES = {normalize(s): s for s in PLAN_STATUSES}


def read_status(text: str) -> str | None:
    """« A FAIRE » → « à faire »; None when not one of the plan's statuses."""
    return _STATUSES.get(normalize(text))
