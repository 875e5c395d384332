"""WorkbookSpec: a backend-neutral description of a workbook.

Layout functions (``capsync.layout``) build specs without any I/O; backends
only render them (XlsxWriter for local files, one batchUpdate for Google) and
read values back. Keeping the spec small and declarative is what lets both
backends pass the same tests.

Formula safety rests on one rule: only :class:`Formula` values are ever
written as formulas. Every ``str`` is written as literal text, whatever it
starts with, so text typed by a structure can never run in anyone's sheet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from capsync.french import REMEMBERED_UP_TO


@dataclass(frozen=True)
class Formula:
    """A formula that capsync itself generated (e.g. ``=AVERAGE(B2:B9)``)."""

    text: str

    def __post_init__(self) -> None:
        if not self.text.startswith("="):
            raise ValueError("a Formula starts with '='")


Value = str | int | float | bool | dt.date | dt.datetime | Formula | None


class Style(StrEnum):
    """Named cell styles; each backend maps them to its own formats."""

    TITLE = "title"  # large bold heading
    HEADER = "header"  # bold, filled, wrapped, bordered: column headers
    LOCKED = "locked"  # read-only text, wrapped, grey fill (IDs, descriptions)
    TEXT = "text"  # plain wrapped text, read-only
    INPUT = "input"  # a cell people fill: unlocked, light yellow, wrapped
    INPUT_DATE = "input_date"  # an unlocked date cell (dd/mm/yyyy)
    DATE = "date"  # a read-only date (dd/mm/yyyy)
    SCORE = "score"  # a read-only number with one decimal
    PERCENT = "percent"  # a read-only share, 0 %
    INTEGER = "integer"
    LEVEL = "level"  # one criterion's level: « 2 », or « 2,5 » for a median of answers
    WARNING = "warning"  # red text on pink: overdue, late, divergent
    GOOD = "good"  # green fill: eligible, done
    NOTE = "note"  # small italic grey text
    REVIEW = "review"  # a cell the tiers or the pair fills: unlocked, lavender, wrapped
    COMPUTED = "computed"  # read-only, computed by the sheet itself (one decimal, blue-grey)


@dataclass(frozen=True)
class CellRange:
    """A rectangle of cells, 0-based and inclusive; ``sheet`` None means the sheet holding it."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int
    sheet: str | None = None

    def __post_init__(self) -> None:
        if self.last_row < self.first_row or self.last_col < self.first_col:
            raise ValueError(f"empty range {self}")

    def a1(self) -> str:
        """The range in A1 notation, sheet-qualified when ``sheet`` is set."""
        first = cell_a1(self.first_row, self.first_col)
        last = cell_a1(self.last_row, self.last_col)
        text = first if first == last else f"{first}:{last}"
        if self.sheet is None:
            return text
        quoted = self.sheet.replace("'", "''")
        return f"'{quoted}'!{text}"


def column_letter(col: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_a1(row: int, col: int) -> str:
    return f"{column_letter(col)}{row + 1}"


@dataclass(frozen=True)
class ListValidation:
    """A drop-down: the cells of ``target`` accept one of ``choices``."""

    target: CellRange
    choices: tuple[str, ...]
    message: str = ""  # shown when a person types something else
    strict: bool = False  # False: warn but accept, so that a typed « 3 » is never refused
    alert: bool = True  # False: accept anything silently (the parser reports what it cannot read)


@dataclass(frozen=True)
class DateValidation:
    target: CellRange
    message: str = ""


class ConditionalKind(StrEnum):
    COLOR_SCALE = "color_scale"  # red (low) → yellow → green (high)
    TEXT_EQUALS = "text_equals"  # cells whose text equals ``text`` take ``style``
    FORMULA = "formula"  # cells where ``formula`` (relative to the top-left cell) is true


@dataclass(frozen=True)
class ConditionalFormat:
    target: CellRange
    kind: ConditionalKind
    minimum: float = 0.0
    maximum: float = 4.0
    text: str = ""
    style: Style = Style.WARNING
    formula: Formula | None = None  # FORMULA: e.g. ``=$P4="à discuter"`` for the first row


class ChartKind(StrEnum):
    COLUMN = "column"
    BAR = "bar"
    LINE = "line"
    RADAR = "radar"


@dataclass(frozen=True)
class Series:
    name: str
    values: CellRange
    # a reference line (the label threshold): over a column chart, a line; on any chart,
    # dashed, its markers short dashes, so it is not read as data
    line: bool = False


@dataclass(frozen=True)
class Chart:
    """A native chart; its ranges are sheet-qualified."""

    kind: ChartKind
    title: str
    categories: CellRange
    series: tuple[Series, ...]
    anchor_row: int
    anchor_col: int
    y_min: float | None = 0.0
    y_max: float | None = 4.0
    width: int = 720
    height: int = 360
    date_categories: bool = False  # the categories are dates: shown « jj/mm/aaaa »


@dataclass(frozen=True)
class EditorRange:
    """Cells only some people may type in, where the backend can say so (Google protected ranges).

    ``editors`` are e-mails; the account capsync runs as is always added. Local
    files cannot hold per-person rights: there the columns are told apart by
    their look and their headers.
    """

    target: CellRange
    editors: tuple[str, ...]
    description: str


@dataclass
class SheetSpec:
    """One sheet. ``rows[r][c]`` is the value of the cell at row r, column c (0-based)."""

    name: str
    rows: list[list[Value]] = field(default_factory=list)
    column_widths: list[float] = field(default_factory=list)  # in characters
    column_styles: list[Style | None] = field(default_factory=list)  # below the header rows
    header_rows: int = 0  # rows styled HEADER (and repeated when printing)
    cell_styles: dict[tuple[int, int], Style] = field(default_factory=dict)
    row_styles: dict[int, Style] = field(default_factory=dict)
    hidden_rows: tuple[int, ...] = ()
    freeze_rows: int = 0
    freeze_cols: int = 0
    notes: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[CellRange] = field(default_factory=list)
    validations: list[ListValidation | DateValidation] = field(default_factory=list)
    conditional_formats: list[ConditionalFormat] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    protected: bool = False  # when True only cells styled INPUT/INPUT_DATE/REVIEW are editable
    editor_ranges: list[EditorRange] = field(default_factory=list)
    autofilter: CellRange | None = None  # filter buttons on these columns (header row first)
    print_header: str = ""  # printed at the top of each page (plain text)
    print_footer: str = ""  # printed at the bottom of each page; page numbers are added
    hidden: bool = False
    landscape: bool = True
    fit_width: bool = True
    tab_color: str | None = None

    def style_at(self, row: int, col: int) -> Style | None:
        """The style a backend must apply: cell, then row, then header, then column."""
        if (row, col) in self.cell_styles:
            return self.cell_styles[(row, col)]
        whole = self._row_style(row)
        if whole is not None:
            return whole
        if col < len(self.column_styles):
            return self.column_styles[col]
        return None

    def _row_style(self, row: int) -> Style | None:
        """The style of every cell of ``row`` but those with their own; None: its column's."""
        if row in self.row_styles:
            return self.row_styles[row]
        if row < self.header_rows:
            return Style.HEADER
        return None

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def row_style_lists(self, width: int) -> list[list[Style | None]]:
        """:meth:`style_at` of every cell of the first ``width`` columns, row by row.

        The same answers, a whole row at a time: a backend asking cell by cell spent
        more on the lookups than on writing a dashboard's 30 000 cells.
        """
        by_row: dict[int, list[tuple[int, Style]]] = {}
        for (r, c), style in self.cell_styles.items():
            if c < width:
                by_row.setdefault(r, []).append((c, style))
        body = (self.column_styles + [None] * width)[:width]
        found: list[list[Style | None]] = []
        for r in range(len(self.rows)):
            whole = self._row_style(r)
            styles: list[Style | None] = list(body) if whole is None else [whole] * width
            for c, style in by_row.get(r, ()):
                styles[c] = style
            found.append(styles)
        return found


@dataclass
class WorkbookSpec:
    """A whole workbook; ``metadata`` is its hidden identity (:mod:`capsync.workbook.identity`)."""

    title: str
    sheets: list[SheetSpec]
    metadata: dict[str, str] = field(default_factory=dict)

    def sheet(self, name: str) -> SheetSpec:
        return next(s for s in self.sheets if s.name == name)


EDITABLE_STYLES = frozenset({Style.INPUT, Style.INPUT_DATE, Style.REVIEW})
WRAPPED_STYLES = frozenset(
    {Style.HEADER, Style.LOCKED, Style.TEXT, Style.INPUT, Style.NOTE, Style.REVIEW}
)

DEFAULT_COLUMN_WIDTH = 8.43  # characters, Excel's default
CHARS_PER_WIDTH = 1.2  # French text at 10 pt is narrower than the « 0 » the width counts
LINE_HEIGHT = 13.0  # points per line at 10 pt
MAX_ROW_HEIGHT = 409.0  # Excel's limit


def row_heights(
    sheet: SheetSpec, styles: list[list[Style | None]] | None = None
) -> dict[int, float]:
    """Heights (points) for the rows whose wrapped text needs more than one line.

    Neither Excel nor LibreOffice grows a row to fit its wrapped text when it
    opens a file, only when a person edits the cell; without this, the level
    descriptions of a grid would show one line each. The height is estimated
    from the text's length and its column's width, merged columns included.
    ``styles`` is :meth:`SheetSpec.row_style_lists` when the caller has it already.
    """
    widths = {}
    for merge in sheet.merges:
        span = range(merge.first_col, merge.last_col + 1)
        widths[(merge.first_row, merge.first_col)] = sum(_width(sheet, c) for c in span)
    hidden = set(sheet.hidden_rows)
    if styles is None:
        styles = sheet.row_style_lists(sheet.width)
    plain, bold = CHARS_PER_WIDTH * 1.0, CHARS_PER_WIDTH * 0.8  # bold is wider
    per_column = {
        False: [max(1, int(_width(sheet, c) * plain)) for c in range(sheet.width)],
        True: [max(1, int(_width(sheet, c) * bold)) for c in range(sheet.width)],
    }  # characters a line, computed once per column rather than once per cell
    heights: dict[int, float] = {}
    for r, row in enumerate(sheet.rows):
        if r in hidden:
            continue
        lines = 1
        row_styles = styles[r]
        for c, value in enumerate(row):
            if not isinstance(value, str) or not value:
                continue
            style = row_styles[c]
            if style not in WRAPPED_STYLES:
                continue
            header = style == Style.HEADER
            merged = widths.get((r, c)) if widths else None
            if merged is None:
                per_line = per_column[header][c]
            else:
                per_line = max(1, int(merged * (bold if header else plain)))
            if len(value) <= per_line and "\n" not in value:
                continue  # fits on one line whatever its words (the common case, made cheap)
            needed = sum(_lines(part, per_line) for part in value.split("\n"))
            lines = max(lines, needed)
        if lines > 1:
            heights[r] = min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT + 2)
    return heights


def wrapped_lines(text: str, per_line: int) -> int:
    """Lines ``text`` takes when wrapped at word boundaries, ``per_line`` characters a line.

    Spreadsheets break lines between words, so a line often ends short of the
    width: counting characters only (``len / per_line``) gave rows one line too
    low, with the last words of a long objective cut off (seen on LibreOffice
    screenshots, docs/grid.md « Premier écran »).
    """
    lines, used = 1, 0
    for word in text.split():
        while len(word) > per_line:  # a word longer than the line is broken anywhere
            if used:
                lines, used = lines + 1, 0
            word = word[per_line:]
            lines += 1
        if used and used + 1 + len(word) > per_line:
            lines, used = lines + 1, len(word)
        else:
            used += (1 if used else 0) + len(word)
    return lines


_remembered_lines = lru_cache(maxsize=8_192)(wrapped_lines)


def _lines(text: str, per_line: int) -> int:
    """:func:`wrapped_lines`, remembered for short texts as French spacing is (the same
    limit): every grid wraps the same référentiel texts in the same columns; long ones
    (what a person typed) are not kept."""
    if len(text) <= REMEMBERED_UP_TO:
        return _remembered_lines(text, per_line)
    return wrapped_lines(text, per_line)


def _width(sheet: SheetSpec, col: int) -> float:
    return sheet.column_widths[col] if col < len(sheet.column_widths) else DEFAULT_COLUMN_WIDTH
