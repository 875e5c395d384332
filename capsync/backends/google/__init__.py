"""The Google Sheets & Drive backend (``backend: google``); see docs/google.md.

Modules: :mod:`.requests` (spec → one batchUpdate, pure), :mod:`.styles`,
:mod:`.reading` (grid data → raw values, pure), :mod:`.drive_layout` (folders
and file names, pure), :mod:`.quota` (budget and retries), :mod:`.drive`
(Drive REST calls), :mod:`.sharing` (permissions and audit),
:mod:`.backend` (GoogleBackend).
"""

from capsync.backends.google.backend import GoogleBackend, google_backend

__all__ = ["GoogleBackend", "google_backend"]
