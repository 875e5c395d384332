"""The formulas that let a grid compute its own median, spread and « à discuter » (pure).

The group agrees its « niveau retenu » in the grid, often offline, in Excel,
LibreOffice or Google Sheets. So the consensus columns are generated
:class:`~capsync.workbook.spec.Formula` values that all three evaluate the
same way, with nothing but ``SUMPRODUCT``, ``ISNUMBER``, ``FIND``, ``CODE``,
``LEFT``, ``IF`` and arithmetic — no array entry, no ``LET``, no array literal
(whose separator depends on the locale).

A level cell holds « 3 - Maîtrisé », a typed 3, « Ne sait pas », « N/A » or
nothing; its level is the digit it starts with, or, for a cell typed as a
word, the level whose label it is, in any case, with the label's accents or
none (« Structuré », « structure », « MAÎTRISÉ »: :func:`level_words`,
compared after ``LOWER(TRIM(…))``, all of a level's words in one ``FIND``:
:func:`_word_in`). What the parser reads beyond that
(« niveau 2 », punctuation inside a label, « 2,0 » typed as text is read as 2
by both) the formulas do not count; such a cell is coloured
(:func:`unread_word_rule`) and the dashboard, which uses the parser, counts
it. Counting, for each level v of
the scale, how many respondents answered at most v (``C(v)``) gives every
order statistic without sorting: the p-th smallest answer is
``v0 + Σ (v[i+1] − v[i]) × (C(v[i]) < p)``. The median, the spread and the
trimmed spread of :mod:`capsync.scoring.divergence` are built from it, so the
grid and the dashboards flag the same rows (docs/scoring.md).
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Mapping, Sequence

from capsync.campaign.referentiel import Scale
from capsync.workbook.grid_schema import TO_DISCUSS
from capsync.workbook.spec import Formula

DIGITS = '"0123456789"'
FORMULA_LIMIT = 8000  # Excel refuses a formula over 8,192 characters; a margin for long refs
TEXT_LIMIT = 255  # Excel refuses a text value over 255 characters inside a formula
SEPARATOR = "  "  # two spaces: TRIM leaves none in a cell, so only a whole word matches
Words = Mapping[int, Sequence[str]]  # level → the lower-case words read as that level
NO_WORDS: Words = {}


def level_words(scale: Scale) -> dict[int, tuple[str, ...]]:
    """Per level, the words a formula reads as it: its label in lower case, and the same
    without accents — the spellings people type most, after the digit. (« niveau N »
    would make the « à discuter » formula too long: Excel refuses formulas over 8,192
    characters.)"""
    found: dict[int, tuple[str, ...]] = {}
    for level in scale.levels:
        label = " ".join(level.label.lower().split())
        plain = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
        spellings = dict.fromkeys(w for w in (label, plain) if w)
        found[level.value] = tuple(w.replace('"', '""') for w in spellings)
    return found


def _key(cells: str) -> str:
    return f"LOWER(TRIM({cells}))"


def _named(cells: str, words: Words, levels: Sequence[int]) -> list[str]:
    """One equality per word of ``levels``: TRUE (1) where a cell is typed as that word."""
    return [f'({_key(cells)}="{w}")' for v in levels for w in words.get(v, ())]


def _word_in(cells: str, words: Words, levels: Sequence[int]) -> list[str]:
    """TRUE (1) where a cell is typed as one of the words of ``levels``, as one term.

    The words are joined by two spaces and the cell, trimmed and in lower case, is
    looked for between two more: TRIM leaves no two spaces in a row in a cell, so only a
    whole word is found. One ``FIND`` instead of an equality per word keeps a chapter
    row's formulas at 7 KB instead of 10, which were most of the sheet a pull reads.
    Words that would make a text over Excel's 255 characters keep one equality each."""
    found = [w for v in levels for w in words.get(v, ())]
    joined = "".join(SEPARATOR + w for w in found) + SEPARATOR
    if not found or len(joined) - joined.count('""') > TEXT_LIMIT:
        return _named(cells, words, levels)
    return [f'ISNUMBER(FIND("{SEPARATOR}"&{_key(cells)}&"{SEPARATOR}","{joined}"))']


def single_digit_scale(values: Sequence[int]) -> bool:
    """The formulas read one leading digit: they need a scale within 0..9."""
    return bool(values) and min(values) >= 0 and max(values) <= 9


def count_at_most(cells: str, values: Sequence[int], level: int, words: Words = NO_WORDS) -> str:
    """How many cells of ``cells`` hold a level between the lowest and ``level``: starting
    with its digit, or typed as one of its ``words``."""
    digits = "".join(str(v) for v in range(min(values), level + 1))
    # its first character; « -- » makes a number of TRUE: Excel's SUMPRODUCT skips logicals
    digits = f'--ISNUMBER(FIND(LEFT({cells}&" ",1),"{digits}"))'
    named = _word_in(cells, words, [v for v in sorted(values) if v <= level])
    return f"SUMPRODUCT({'+'.join([digits, *named])})"


def nth_smallest(cells: str, values: Sequence[int], p: str, words: Words = NO_WORDS) -> str:
    """The ``p``-th smallest level answered (``p`` is a formula expression, 1-based)."""
    ordered = sorted(values)
    terms = [
        ("" if high - low == 1 else f"{high - low}*")
        + f"({count_at_most(cells, ordered, low, words)}<{p})"
        for low, high in itertools.pairwise(ordered)
    ]
    return f"({ordered[0]}+{'+'.join(terms)})" if terms else str(ordered[0])


def count_formula(cells: str, values: Sequence[int], words: Words = NO_WORDS) -> Formula:
    """Réponses: how many respondents gave a level (« Ne sait pas » and blanks do not count)."""
    return Formula(f"={count_at_most(cells, values, max(values), words)}")


def median_formula(
    cells: str, values: Sequence[int], count: str, words: Words = NO_WORDS
) -> Formula:
    """Médiane: the middle answer, or the mean of the two middle ones; blank with no answer."""
    low = nth_smallest(cells, values, f"INT(({count}+1)/2)", words)
    high = nth_smallest(cells, values, f"({count}-INT(({count}-1)/2))", words)
    return Formula(f'=IF({count}=0,"",({low}+{high})/2)')


def spread_formula(
    cells: str, values: Sequence[int], count: str, words: Words = NO_WORDS
) -> Formula:
    """Écart: highest minus lowest answer; blank with fewer than two answers."""
    high = nth_smallest(cells, values, count, words)
    low = nth_smallest(cells, values, "1", words)
    return Formula(f'=IF({count}<2,"",{high}-{low})')


def _starts_with_digit(cell: str) -> str:
    return f"ISNUMBER(FIND(LEFT({cell},1),{DIGITS}))"


def _is_word(cell: str, words: Words) -> str:
    named = _word_in(cell, words, sorted(words))
    return f"OR({','.join(named)})" if named else "FALSE"


def _level_of(cell: str, words: Words = NO_WORDS) -> str:
    """The level of one cell: its first digit, else the level of the word it holds."""
    named = [f"{v}*{term}" for v in sorted(words) if v for term in _word_in(cell, words, [v])]
    if not named:
        return f"(CODE(LEFT({cell},1))-48)"
    return f"IF({_starts_with_digit(cell)},CODE(LEFT({cell},1))-48,{'+'.join(named)})"


def _is_level(cell: str, words: Words = NO_WORDS) -> str:
    return f'AND({cell}<>"",OR({_starts_with_digit(cell)},{_is_word(cell, words)}))'


def _far(cell: str, reference: str, threshold: int, words: Words = NO_WORDS) -> str:
    """TRUE when ``cell`` holds a level at least ``threshold`` from ``reference``."""
    return (
        f'IF({cell}="",FALSE,IFERROR(IF({_is_level(cell, words)},'
        f"ABS({_level_of(cell, words)}-{reference})>={threshold},FALSE),FALSE))"
    )


def unread_word_rule(cell: str, words: Words, others: Sequence[str]) -> str:
    """A conditional-format formula, TRUE on a level cell the grid's formulas cannot read:
    not blank, not starting with a digit, not one of ``words``, not one of ``others``
    (« Non applicable », « Ne sait pas »: answers, but no level). The parser may still
    read it (the dashboard counts it); the colour says the grid's median does not."""
    spellings = dict.fromkeys(" ".join(w.lower().split()).replace('"', '""') for w in others)
    known = [f'{_key(cell)}="{w}"' for w in spellings]
    return (
        f'=AND(TRIM({cell})<>"",NOT({_starts_with_digit(cell)}),'
        f"NOT({_is_word(cell, words)}){''.join(f',NOT({k})' for k in known)})"
    )


def discuss_formula(
    cells: str,
    values: Sequence[int],
    *,
    count: str,
    median: str,
    retained: str,
    reviews: Sequence[str],
    threshold: int,
    words: Words = NO_WORDS,
) -> Formula:
    """À discuter: a real split, a retenu far from the group, or a review far from the retenu.

    The split ignores one isolated answer at each end from four answers on:
    the second-lowest and second-highest answers must be ``threshold`` apart.
    """
    trim = f"IF({count}>=4,2,1)"
    split = (
        f"AND({count}>=2,"
        f"{nth_smallest(cells, values, f'({count}+1-{trim})', words)}"
        f"-{nth_smallest(cells, values, trim, words)}>={threshold})"
    )
    reference = f"IF({_is_level(retained, words)},{_level_of(retained, words)},{median})"
    tests = [split, _far(retained, median, threshold, words)]
    tests += [_far(cell, reference, threshold, words) for cell in reviews]
    return Formula(f'=IF(OR({",".join(tests)}),"{TO_DISCUSS}","")')
