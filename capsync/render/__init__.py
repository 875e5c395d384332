"""Stage 7 — specs and documents into bytes: .xlsx, the restitution PDF, .ics, exports.

Renderers are pure (a spec or data in, bytes out); backends decide where the
bytes go.
"""
