"""Pure layout functions: campaign data in, WorkbookSpec out, no I/O."""
