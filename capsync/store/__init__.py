"""Stage 4 — what capsync remembers: the append-only SQLite log of answers, and the sync state."""
