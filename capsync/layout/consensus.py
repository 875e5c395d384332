"""The formulas that let a grid compute its own median, spread and « à discuter » (pure).

The group agrees its « niveau retenu » in the grid, often offline, in Excel,
LibreOffice or Google Sheets. So the consensus columns are generated
:class:`~capsync.workbook.spec.Formula` values that all three evaluate the
same way, with nothing but ``SUMPRODUCT``, ``CODE``, ``LEFT``, ``FIND``, ``IF``
and arithmetic — no array entry, no ``LET``, no array literal (whose separator
depends on the locale).

A level cell holds « 3 - Maîtrisé », a typed 3, « Ne sait pas », « N/A » or
nothing; its level is the digit it starts with. Counting, for each level v of
the scale, how many respondents answered at most v (``C(v)``) gives every
order statistic without sorting: the p-th smallest answer is
``v0 + Σ (v[i+1] − v[i]) × (C(v[i]) < p)``. The median, the spread and the
trimmed spread of :mod:`capsync.scoring.divergence` are built from it, so the
grid and the dashboards flag the same rows (docs/scoring.md).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from capsync.scoring.divergence import TO_DISCUSS
from capsync.workbook.spec import Formula

DIGITS = '"0123456789"'


def single_digit_scale(values: Sequence[int]) -> bool:
    """The formulas read one leading digit: they need a scale within 0..9."""
    return bool(values) and min(values) >= 0 and max(values) <= 9


def _first_char_code(cells: str) -> str:
    return f'CODE(LEFT({cells}&" ",1))'


def count_at_most(cells: str, values: Sequence[int], level: int) -> str:
    """How many cells of ``cells`` start with a level between the lowest and ``level``."""
    code = _first_char_code(cells)
    return f"SUMPRODUCT(({code}>={48 + min(values)})*({code}<={48 + level}))"


def nth_smallest(cells: str, values: Sequence[int], p: str) -> str:
    """The ``p``-th smallest level answered (``p`` is a formula expression, 1-based)."""
    ordered = sorted(values)
    terms = [
        ("" if high - low == 1 else f"{high - low}*")
        + f"({count_at_most(cells, ordered, low)}<{p})"
        for low, high in itertools.pairwise(ordered)
    ]
    return f"({ordered[0]}+{'+'.join(terms)})" if terms else str(ordered[0])


def count_formula(cells: str, values: Sequence[int]) -> Formula:
    """Réponses: how many respondents gave a level (« Ne sait pas » and blanks do not count)."""
    return Formula(f"={count_at_most(cells, values, max(values))}")


def median_formula(cells: str, values: Sequence[int], count: str) -> Formula:
    """Médiane: the middle answer, or the mean of the two middle ones; blank with no answer."""
    low = nth_smallest(cells, values, f"INT(({count}+1)/2)")
    high = nth_smallest(cells, values, f"({count}-INT(({count}-1)/2))")
    return Formula(f'=IF({count}=0,"",({low}+{high})/2)')


def spread_formula(cells: str, values: Sequence[int], count: str) -> Formula:
    """Écart: highest minus lowest answer; blank with fewer than two answers."""
    high = nth_smallest(cells, values, count)
    low = nth_smallest(cells, values, "1")
    return Formula(f'=IF({count}<2,"",{high}-{low})')


def _level_of(cell: str) -> str:
    return f"(CODE(LEFT({cell},1))-48)"


def _is_level(cell: str) -> str:
    return f'AND({cell}<>"",ISNUMBER(FIND(LEFT({cell},1),{DIGITS})))'


def _far(cell: str, reference: str, threshold: int) -> str:
    """TRUE when ``cell`` holds a level at least ``threshold`` from ``reference``."""
    return (
        f'IF({cell}="",FALSE,IFERROR(IF(ISNUMBER(FIND(LEFT({cell},1),{DIGITS})),'
        f"ABS({_level_of(cell)}-{reference})>={threshold},FALSE),FALSE))"
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
) -> Formula:
    """À discuter: a real split, a retenu far from the group, or a review far from the retenu.

    The split ignores one isolated answer at each end from four answers on:
    the second-lowest and second-highest answers must be ``threshold`` apart.
    """
    trim = f"IF({count}>=4,2,1)"
    split = (
        f"AND({count}>=2,"
        f"{nth_smallest(cells, values, f'({count}+1-{trim})')}"
        f"-{nth_smallest(cells, values, trim)}>={threshold})"
    )
    reference = f"IF({_is_level(retained)},{_level_of(retained)},{median})"
    tests = [split, _far(retained, median, threshold)]
    tests += [_far(cell, reference, threshold) for cell in reviews]
    return Formula(f'=IF(OR({",".join(tests)}),"{TO_DISCUSS}","")')
