"""In-memory spreadsheets in Sheets v4's own JSON shapes.

Cells live in a sparse dict keyed by (row, column) so inserting or deleting rows is a key
shift and a 1000x26 empty grid costs nothing; everything else (properties, merges,
protected ranges, filters, ...) is kept as the JSON Google would report, so `get` is
mostly a matter of assembling and masking.
"""

from __future__ import annotations

import copy
import struct
from dataclasses import dataclass, field
from typing import Any

from . import a1, defaults
from .errors import bad_request
from .values import Cell

# Sheet-level collections Google reports next to "properties", in its order.
SHEET_LISTS = (
    "merges",
    "conditionalFormats",
    "filterViews",
    "protectedRanges",
    "charts",
    "bandedRanges",
    "developerMetadata",
    "rowGroups",
    "columnGroups",
)


def float32(value: float) -> float | int:
    """A number the way Google prints a float32 field (0.49803922, not 0.4980392156862745)."""
    single = struct.unpack("f", struct.pack("f", value))[0]
    for digits in range(1, 10):
        text = f"{single:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            number = float(text)
            return int(number) if number.is_integer() else number
    return single


def color(rgb: dict[str, Any] | None) -> dict[str, Any]:
    """An RGB color as stored by Sheets: 8-bit channels, zero channels omitted."""
    out: dict[str, Any] = {}
    for key in ("red", "green", "blue", "alpha"):
        value = (rgb or {}).get(key)
        if value:
            out[key] = float32(int(value * 255 + 1e-9) / 255) if key != "alpha" else value
    return out


def normalize_format(fmt: dict[str, Any]) -> dict[str, Any]:
    """A CellFormat as Google stores it: colors quantized and mirrored into *Style twins."""
    out = copy.deepcopy(fmt)
    if "backgroundColor" in out:
        out["backgroundColor"] = color(out["backgroundColor"])
        out["backgroundColorStyle"] = {"rgbColor": out["backgroundColor"]}
    text = out.get("textFormat")
    if isinstance(text, dict) and "foregroundColor" in text:
        text["foregroundColor"] = color(text["foregroundColor"])
        text["foregroundColorStyle"] = {"rgbColor": text["foregroundColor"]}
    return out


@dataclass
class Sheet:
    """One tab: its properties, sparse cells and the sheet-level lists."""

    properties: dict[str, Any]
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    basic_filter: dict[str, Any] | None = None
    row_meta: dict[int, dict[str, Any]] = field(default_factory=dict)
    col_meta: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def sheet_id(self) -> int:
        return int(self.properties.get("sheetId", 0))

    @property
    def title(self) -> str:
        return str(self.properties["title"])

    @property
    def rows(self) -> int:
        return int(self.properties["gridProperties"]["rowCount"])

    @property
    def cols(self) -> int:
        return int(self.properties["gridProperties"]["columnCount"])

    def items(self, name: str) -> list[dict[str, Any]]:
        """A sheet-level list (merges, protectedRanges, ...), created on first use."""
        return self.lists.setdefault(name, [])

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"properties": copy.deepcopy(self.properties)}
        for name in SHEET_LISTS:
            if self.lists.get(name):
                out[name] = copy.deepcopy(self.lists[name])
        if self.basic_filter is not None:
            out["basicFilter"] = copy.deepcopy(self.basic_filter)
        return out

    def grid_data(self, bounds: a1.Bounds) -> dict[str, Any]:
        """GridData for the clamped bounds, trailing empty cells and rows left out."""
        b = bounds.clamp(self.rows, self.cols)
        assert b.start_row is not None and b.end_row is not None
        assert b.start_col is not None and b.end_col is not None
        data: dict[str, Any] = {}
        if b.start_row:
            data["startRow"] = b.start_row
        if b.start_col:
            data["startColumn"] = b.start_col
        rows = []
        for r in range(b.start_row, b.end_row):
            values = [
                copy.deepcopy(self.cells.get((r, c), {})) for c in range(b.start_col, b.end_col)
            ]
            rows.append({"values": values})
        data["rowData"] = rows
        data["rowMetadata"] = [
            self._meta(self.row_meta, r, defaults.DEFAULT_ROW_PIXEL_SIZE)
            for r in range(b.start_row, b.end_row)
        ]
        data["columnMetadata"] = [
            self._meta(self.col_meta, c, defaults.DEFAULT_PIXEL_SIZE)
            for c in range(b.start_col, b.end_col)
        ]
        return data

    @staticmethod
    def _meta(store: dict[int, dict[str, Any]], index: int, size: int) -> dict[str, Any]:
        meta = {"pixelSize": size}
        meta.update(store.get(index, {}))
        return meta


@dataclass
class Spreadsheet:
    """A spreadsheet: properties, ordered sheets, named ranges and metadata."""

    spreadsheet_id: str
    properties: dict[str, Any]
    sheets: list[Sheet] = field(default_factory=list)
    named_ranges: list[dict[str, Any]] = field(default_factory=list)
    developer_metadata: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def new(cls, spreadsheet_id: str, title: str) -> Spreadsheet:
        """A spreadsheet exactly as Google creates it: one 1000x26 "Sheet1" with id 0."""
        book = cls(spreadsheet_id, defaults.spreadsheet_properties(title))
        book.sheets.append(Sheet(new_sheet_properties(0, defaults.DEFAULT_SHEET_TITLE, 0)))
        return book

    @property
    def locale(self) -> str:
        """The spreadsheet's locale: how USER_ENTERED text is parsed (dates, numbers)."""
        return str(self.properties.get("locale", "en_US"))

    def sheet_by_id(self, sheet_id: int) -> Sheet:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise bad_request(f"No grid with id: {sheet_id}")

    def sheet_by_title(self, title: str) -> Sheet | None:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        return None

    def reindex(self) -> None:
        """Make every sheet's `index` property its position, as Google keeps them."""
        for index, sheet in enumerate(self.sheets):
            sheet.properties["index"] = index

    def resolve(self, text: str) -> tuple[Sheet, a1.Bounds]:
        """Resolve an A1 range, sheet name or named range to a sheet and bounds."""
        title, cells = a1.split_sheet(text)
        if title is None:
            sheet = self.sheet_by_title(text)
            if sheet is not None:
                return sheet, a1.Bounds(None, None, None, None)
            named = self._named(text)
            if named is not None:
                return named
            if a1.is_cells(text):
                return self.sheets[0], a1.parse_cells(text)
            raise unable_to_parse(text)
        sheet = self.sheet_by_title(title)
        if sheet is None:
            raise unable_to_parse(text)
        if not cells:
            return sheet, a1.Bounds(None, None, None, None)
        if a1.is_cells(cells):
            return sheet, a1.parse_cells(cells)
        named = self._named(cells)
        if named is not None:
            return named
        raise unable_to_parse(text)

    def _named(self, name: str) -> tuple[Sheet, a1.Bounds] | None:
        for named in self.named_ranges:
            if named["name"] == name:
                rng = named["range"]
                sheet = self.sheet_by_id(rng.get("sheetId", 0))
                return sheet, bounds_of(rng)
        return None

    def to_json(self, base_url: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "spreadsheetId": self.spreadsheet_id,
            "properties": copy.deepcopy(self.properties),
            "sheets": [sheet.to_json() for sheet in self.sheets],
        }
        if self.named_ranges:
            out["namedRanges"] = copy.deepcopy(self.named_ranges)
        if self.developer_metadata:
            out["developerMetadata"] = copy.deepcopy(self.developer_metadata)
        out["spreadsheetUrl"] = f"{base_url}/spreadsheets/d/{self.spreadsheet_id}/edit"
        return out


def new_sheet_properties(
    sheet_id: int,
    title: str,
    index: int,
    rows: int = defaults.DEFAULT_ROWS,
    cols: int = defaults.DEFAULT_COLUMNS,
) -> dict[str, Any]:
    """SheetProperties of a fresh grid sheet."""
    return {
        "sheetId": sheet_id,
        "title": title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": rows, "columnCount": cols},
    }


def unable_to_parse(text: str) -> Exception:
    """Google's 400 for a range it cannot resolve."""
    return bad_request(f"Unable to parse range: {text}")


def bounds_of(grid_range: dict[str, Any]) -> a1.Bounds:
    """A GridRange (JSON) as Bounds; missing indexes are unbounded."""
    return a1.Bounds(
        grid_range.get("startRowIndex"),
        grid_range.get("endRowIndex"),
        grid_range.get("startColumnIndex"),
        grid_range.get("endColumnIndex"),
    )


def grid_range(sheet_id: int, bounds: a1.Bounds) -> dict[str, Any]:
    """Bounds as a GridRange JSON the way Google echoes it (sheetId 0 omitted)."""
    out: dict[str, Any] = {}
    if sheet_id:
        out["sheetId"] = sheet_id
    for key, value in (
        ("startRowIndex", bounds.start_row),
        ("endRowIndex", bounds.end_row),
        ("startColumnIndex", bounds.start_col),
        ("endColumnIndex", bounds.end_col),
    ):
        if value is not None:
            out[key] = value
    return out
