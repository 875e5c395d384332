"""capsync: runs the CAP RSE self-assessment campaign through spreadsheets."""

__version__ = "0.1.0"
