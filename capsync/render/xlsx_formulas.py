"""The worksheet class the renderer gives XlsxWriter: formulas and cells written as XlsxWriter
would write them, without its passes over every formula when they change nothing, and
without its general path for the plain cells a dashboard is made of.

Split from :mod:`capsync.render.xlsx` (which renders the whole spec) because it leans on
two of XlsxWriter's methods, ``_prepare_formula`` and ``_write_cell``, and on what
XlsxWriter does there; ``tests/test_xlsx_render.py`` checks them against the installed
XlsxWriter.
"""

from __future__ import annotations

import re
from typing import Any

from xlsxwriter import worksheet as _xlsx_worksheet
from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import Worksheet

# XlsxWriter's own pattern for the function names it rewrites; None in a version without it
_NEWER: re.Pattern[str] | None = getattr(_xlsx_worksheet, "re_dynamic_function", None)
# XlsxWriter's cells of a text (its shared string's index) and of a number; None if renamed
_STRING: type | None = getattr(_xlsx_worksheet, "CellStringTuple", None)
_NUMBER: type | None = getattr(_xlsx_worksheet, "CellNumberTuple", None)
_FUNCTION = re.compile(r"\b([A-Z][A-Z0-9._]*)\(")
CLASSIC_FUNCTIONS = frozenset(
    """
    ABS AND AVERAGE AVERAGEIF CHAR CHOOSE CODE COLUMN COLUMNS CONCATENATE COUNT COUNTA
    COUNTBLANK COUNTIF COUNTIFS DATE DAY EXACT FIND IF IFERROR INDEX INDIRECT INT ISBLANK
    ISERROR ISNUMBER ISTEXT LARGE LEFT LEN LOWER MATCH MAX MEDIAN MID MIN MOD MONTH NOT
    NOW OR RIGHT ROUND ROUNDDOWN ROUNDUP ROW ROWS SEARCH SMALL SUBSTITUTE SUM SUMIF
    SUMIFS SUMPRODUCT TEXT TODAY TRIM UPPER VALUE VLOOKUP YEAR
    """.split()  # noqa: SIM905  # a word list, read as one
)
"""Functions Excel 2007 already had: XlsxWriter prefixes none of them (tested), so a
formula that calls only these needs none of its rewrites."""
_PREPARED: dict[tuple[str, bool], str] = {}
"""Formulas as XlsxWriter writes them, by formula: every grid of one layout holds the same
1 100 formulas (400 KB), looked at once per process instead of once per grid. Emptied
when it holds more than :data:`_PREPARED_MAX` characters (a few layouts' worth)."""
_PREPARED_MAX = 4_000_000
_prepared_size = [0]  # characters held in _PREPARED


class FormulaSheet(Worksheet):  # type: ignore[misc]  # XlsxWriter has no type hints
    """XlsxWriter's worksheet, without its passes over every formula.

    XlsxWriter prefixes the names of Excel's newest functions (``_xlfn.``) with one
    regular-expression substitution per function name: some thirty per cell formula,
    some hundred and fifty per conditional format's formula. On a grid's consensus
    formulas (7 KB each, :mod:`capsync.layout.consensus`) the first were nine tenths
    of the time to write a grid, and the second, on its thirty conditional formats,
    still two fifths of it, for nothing: capsync writes none of those functions.

    - A cell formula: XlsxWriter itself sends one that holds one of the newest
      (dynamic array) functions down another path (``write_dynamic_array_formula``)
      before this step; one search with XlsxWriter's own pattern decides.
    - A conditional format's or a validation's formula is rewritten for every newer
      function: it is skipped only when each function it calls is one of
      :data:`CLASSIC_FUNCTIONS`.

    Any other formula is left to XlsxWriter.
    """

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if self.use_future_functions:
            prepared: str = super()._prepare_formula(formula, expand_future_functions)
            return prepared
        key = (formula, expand_future_functions)
        known = _PREPARED.get(key)
        if known is None:
            known = self._prepared(formula, expand_future_functions)
            if _prepared_size[0] > _PREPARED_MAX:
                _PREPARED.clear()
                _prepared_size[0] = 0
            _PREPARED[key] = known
            _prepared_size[0] += len(formula)
        return known

    def _prepared(self, formula: str, expand_future_functions: bool) -> str:
        if expand_future_functions:
            plain = set(_FUNCTION.findall(formula)) <= CLASSIC_FUNCTIONS
        else:
            plain = _NEWER is not None and _NEWER.search(formula) is None
        if not plain:
            prepared: str = super()._prepare_formula(formula, expand_future_functions)
            return prepared
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        """A formatted text or number cell's XML, without XlsxWriter's general path.

        XlsxWriter builds each cell's attributes as a list and escapes each one (a
        regular-expression search per attribute); for the two cells a dashboard is made
        of, a shared string or a number in a format of its own, the reference and the
        format's index need no escaping, and the same bytes are written straight away.
        That path was a third of rendering a dashboard. Every other cell (no format of
        its own, a formula, a date, in-line strings) is left to XlsxWriter.
        """
        kind = type(cell)
        plain = kind is _STRING or kind is _NUMBER
        if plain and cell.format is not None and not self.constant_memory:
            ref = xl_rowcol_to_cell_fast(row, col)
            xf = cell.format._get_xf_index()
            if kind is _STRING:
                self.fh.write(f'<c r="{ref}" s="{xf}" t="s"><v>{cell.string}</v></c>')
            else:
                self.fh.write(f'<c r="{ref}" s="{xf}"><v>{cell.number:.16G}</v></c>')
            return
        super()._write_cell(row, col, cell)
