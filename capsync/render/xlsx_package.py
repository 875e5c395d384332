"""The workbook's zip, compressed at zlib's fastest level.

XlsxWriter deflates each part of the package at zlib's default level (6) and has
no option for it. On a grid, that compression was a sixth of writing the file
(5.4 of 32 ms): level 1 takes about a third of that for parts 17 % larger (a grid
of 96 KB becomes 113 KB), which every spreadsheet reads alike — the level is
the writer's choice, not part of the format. :class:`Workbook` is XlsxWriter's,
with its zip made by :class:`FastZip` while it is stored.

XlsxWriter makes its zip through the name ``ZipFile`` of its ``workbook``
module; the name is replaced only while one workbook is stored (a process
renders one workbook at a time), then put back. Should XlsxWriter stop using
that name, nothing breaks: the files are compressed at level 6 again.
"""

from __future__ import annotations

import zipfile
from typing import Any

import xlsxwriter
import xlsxwriter.workbook as xlsxwriter_workbook

LEVEL = 1


class FastZip(zipfile.ZipFile):
    """A zip whose entries, given as ``ZipInfo`` without a level, are deflated at ``LEVEL``."""

    def writestr(
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: Any,  # what ZipFile.writestr takes
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        level = LEVEL if compresslevel is None else compresslevel
        super().writestr(zinfo_or_arcname, data, compress_type, level)


class Workbook(xlsxwriter.Workbook):  # type: ignore[misc]  # XlsxWriter has no type hints
    """XlsxWriter's workbook, stored in a :class:`FastZip`."""

    def _store_workbook(self) -> Any:
        usual = xlsxwriter_workbook.ZipFile
        xlsxwriter_workbook.ZipFile = FastZip
        try:
            return super()._store_workbook()
        finally:
            xlsxwriter_workbook.ZipFile = usual
