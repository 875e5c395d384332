"""Stage 5 — answers into maturity scores, eligibility and statistics (pure pandas)."""
