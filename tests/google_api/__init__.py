"""A local stand-in for Google Sheets v4 and Drive v3, for tests and benchmarks."""
