"""Stage 2 — what every writer and reader of a workbook shares.

The backend-neutral :class:`~capsync.workbook.spec.WorkbookSpec`, the names of
workbooks (:mod:`~capsync.workbook.refs`), the hidden identity sheet, and the
grid's fixed vocabulary (sheet names, hidden key row, column keys). It sits
below layouts, parsers and backends so that they agree without importing
each other.
"""
