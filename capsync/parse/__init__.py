"""Stage 3 — raw cell values back into answers: locate columns and rows, parse, carry.

Pure functions: a grid people have edited (inserted columns, renamed headers,
re-sorted rows) is located by its hidden keys, parsed into answers, texts,
actions and anomalies, and — for an upgrade — its typed values are carried by
criterion ID and column key into the next version of the grid.
"""
