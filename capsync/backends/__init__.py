"""Where workbooks live: a folder of .xlsx files (local) or Google Drive (google)."""
