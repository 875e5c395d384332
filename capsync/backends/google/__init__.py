"""The Google Sheets & Drive backend (``backend: google``); see docs/google.md.

Modules, bottom-up:

- pure translation of a spec into one batchUpdate: :mod:`.ranges`, :mod:`.styles`,
  :mod:`.cell_data`, :mod:`.sheet_rules`, :mod:`.charts`, assembled by :mod:`.requests`;
- :mod:`.reading` (grid data → raw values, pure), :mod:`.drive_layout` (folders and
  file names, pure), :mod:`.listing` (one ``files.list`` → which file is which workbook);
- :mod:`.http` (clients, switchable endpoint), :mod:`.quota` (budget and retries),
  :mod:`.drive` (Drive REST calls), :mod:`.credentials` (the service account's key);
- :mod:`.sharing` (who may open what, the audit), then :mod:`.backend` (GoogleBackend).
"""

from capsync.backends.google.backend import GoogleBackend, google_backend

__all__ = ["GoogleBackend", "google_backend"]
