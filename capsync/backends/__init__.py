"""Stage 8 — where workbooks live: a folder of .xlsx files (local) or Google Drive (google).

:mod:`~capsync.backends.base` is the protocol the jobs use; nothing outside
this package knows which backend it talks to.
"""
