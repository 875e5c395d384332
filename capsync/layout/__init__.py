"""Stage 6 — pure layout functions: campaign data and scores in, WorkbookSpec out, no I/O."""
