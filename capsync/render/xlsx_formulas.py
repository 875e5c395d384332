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
_FORMULA_CELL: type | None = getattr(_xlsx_worksheet, "CellFormulaTuple", None)
_BLANK: type | None = getattr(_xlsx_worksheet, "CellBlankTuple", None)
_FAST = frozenset(k for k in (_STRING, _NUMBER, _FORMULA_CELL, _BLANK) if k is not None)
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
_PLAIN: set[str] = set()
"""Cell formulas known to call none of the newest (dynamic array) functions, emptied with
:data:`_PREPARED`: XlsxWriter searches each formula for them with one regular expression,
a third of the time to write a grid (its 1 100 formulas of 7 KB each), for the same
answer at every grid."""
_ESCAPED: dict[str, str] = {}
"""Cell formulas as XlsxWriter escapes them in the sheet's XML, by formula (idem)."""


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
            _make_room(formula)
            _PREPARED[key] = known
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

    def _write_formula(
        self, row: int, col: int, formula: str, cell_format: Any = None, value: Any = 0
    ) -> int:
        """A cell formula stored as XlsxWriter stores it, its search for the newest functions
        made once per formula (:data:`_PLAIN`). Any formula XlsxWriter would send down
        another path (an array formula, one naming a dynamic array function) still goes
        to XlsxWriter, as does every formula in its constant-memory mode."""
        plain = (
            _FORMULA_CELL is not None
            and _NEWER is not None
            and not self.constant_memory
            and bool(formula)
            and not formula.startswith("{")
            and (formula in _PLAIN or self._newly_plain(formula))
        )
        if not plain:
            written: int = super()._write_formula(row, col, formula, cell_format, value)
            return written
        if self._check_dimensions(row, col):
            return -1
        assert _FORMULA_CELL is not None  # for mypy: checked in ``plain``
        self.table[row][col] = _FORMULA_CELL(self._prepare_formula(formula), cell_format, value)
        return 0

    @staticmethod
    def _newly_plain(formula: str) -> bool:
        if _NEWER is None or _NEWER.search(formula) is not None:
            return False
        _make_room(formula)
        _PLAIN.add(formula)
        return True

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        """The XML of the cells a grid or a dashboard is made of, without XlsxWriter's
        general path: a shared string, a number, a blank or a formula with no cached result.

        XlsxWriter builds each cell's attributes as a list and escapes each one (a
        regular-expression search per attribute); for those cells the reference and the
        format's index need no escaping, and a formula's escaped text is the same at
        every grid (:data:`_ESCAPED`), so the same bytes are written straight away. That
        path was a third of rendering a dashboard, and a grid's 23 000 blank cells and
        22 000 formulas were a third of writing a grid. Every other cell (a date, a
        boolean, rich text, a formula with a result) is left to XlsxWriter.
        """
        kind = type(cell)
        if kind not in _FAST or self.constant_memory:
            super()._write_cell(row, col, cell)
            return
        if kind is _FORMULA_CELL and (type(cell.value) is not str or cell.value):
            super()._write_cell(row, col, cell)  # a result to write beside it
            return
        fmt = cell.format
        if not fmt:  # the row's format, else the column's, as XlsxWriter looks them up
            info = self.row_info.get(row)
            if info is not None and info.row_format:
                fmt = info.row_format
            elif col in self.col_info:
                fmt = self.col_info[col].column_format
        style = f' s="{fmt._get_xf_index()}"' if fmt is not None else ""
        ref = xl_rowcol_to_cell_fast(row, col)
        if kind is _STRING:
            self.fh.write(f'<c r="{ref}"{style} t="s"><v>{cell.string}</v></c>')
        elif kind is _NUMBER:
            self.fh.write(f'<c r="{ref}"{style}><v>{cell.number:.16G}</v></c>')
        elif kind is _BLANK:
            self.fh.write(f'<c r="{ref}"{style}/>')
        else:
            text = _ESCAPED.get(cell.formula) or _escaped(self, cell.formula)
            self.fh.write(f'<c r="{ref}"{style}><f>{text}</f><v></v></c>')


def _escaped(sheet: Worksheet, formula: str) -> str:
    """A formula as XlsxWriter escapes it in a cell, once per formula (:data:`_ESCAPED`)."""
    text: str = sheet._escape_data(formula)
    _make_room(formula)
    _ESCAPED[formula] = text
    return text


def _make_room(formula: str) -> None:
    """Count ``formula`` into the caches' size, emptying all three first when they hold
    more than :data:`_PREPARED_MAX` characters."""
    if _prepared_size[0] > _PREPARED_MAX:
        _PREPARED.clear()
        _PLAIN.clear()
        _ESCAPED.clear()
        _prepared_size[0] = 0
    _prepared_size[0] += len(formula)
