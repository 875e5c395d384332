"""The restitution PDF keeps what structures type beyond French: other alphabets, emoji.

Checked on the text a PDF reader extracts (poppler's pdftotext), the way a
délégué·e copying a line from the PDF would get it.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from capsync.render.pdf_text import NOT_DRAWABLE, _clean
from capsync.render.restitution_pdf import write_restitution_pdf

from .test_restitution_pdf import _action, _data

TYPED = "Réunion 😀 avec l'équipe 👍🏽 — 中文 — Привет — Ελληνικά — ★ ✓ œ"


def test_characters_no_font_draws_become_a_visible_mark_and_the_others_stay() -> None:
    assert _clean(TYPED) == (
        f"Réunion 😀 avec l'équipe {NOT_DRAWABLE} — {NOT_DRAWABLE * 2} — Привет — Ελληνικά — ★ ✓ œ"
    )
    assert _clean("Œuvre « collective » · l’équipe") == "Œuvre « collective » · l’équipe"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_a_pdf_with_emoji_and_other_alphabets_keeps_them_and_logs_no_font_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "restitution.pdf"
    with caplog.at_level(logging.WARNING):
        write_restitution_pdf(dataclasses.replace(_data(), actions=[_action(TYPED)]), path)
    assert [r.getMessage() for r in caplog.records] == []
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    flat = " ".join(text.split())
    for kept in ("Réunion 😀 avec l'équipe", "Привет", "Ελληνικά", "★ ✓ œ"):
        assert kept in flat
    assert f"{NOT_DRAWABLE} — {NOT_DRAWABLE}{NOT_DRAWABLE} —" in flat
