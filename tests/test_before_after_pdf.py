"""The restitution PDF of a structure in a new campaign shows « Avant / après » (issue 12).

The flow of tests/test_new_campaign.py: aci-une assessed in 2025-2026 (1.1.1 at 1, 1.1.2
at 2, 2.1.1 at 3), moved to 2027-2028 by ``start_new_campaigns``; in its new grid the
group confirms 1.1.1 as it was, confirms 1.1.2 and raises it to 3, and leaves 2.1.1
« à confirmer ». ``capsync sync`` then ``capsync restitution --structure`` write the PDF,
whose text is read as tests/test_restitution_pdf.py reads it. A structure of the same
collectif still in its first campaign gets no such section.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from capsync.campaign.validation import Campaign
from capsync.cli import main
from capsync.french import typography_faults
from capsync.render.before_after_pdf import HEADING
from capsync.workbook.grid_schema import COL_CARRIED

from .filled_grids import COLLECTIVE, editing, grid_path, put
from .test_new_campaign import _config, _first_campaign, _rewrite, _start
from .test_restitution_pdf import _shown_lines

SECTION = "Avant / après\u00a0: campagne précédente et campagne en cours"


def _restitution_lines(campaign: Campaign, structure: str) -> list[str]:
    synced = CliRunner().invoke(main, ["--config", str(campaign.config_path), "sync"])
    assert synced.exit_code == 0, synced.output
    result = CliRunner().invoke(
        main, ["--config", str(campaign.config_path), "restitution", "--structure", structure]
    )
    assert result.exit_code == 0, result.output
    folder = campaign.data_dir / COLLECTIVE / "structures" / structure
    newest = max(folder.glob("restitution*.pdf"), key=lambda p: p.stat().st_mtime_ns)
    return _shown_lines(newest.read_bytes())


def _row(lines: list[str], first: str, size: int) -> list[str]:
    """The ``size`` cells of the table row whose first cell is ``first``."""
    at = lines.index(first)
    return lines[at : at + size]


def _second_campaign(tmp_path: Path) -> Campaign:
    campaign, backend = _first_campaign(tmp_path)
    campaign = _rewrite(campaign, _config("2027-2028"))
    _start(campaign, backend)
    with editing(grid_path(backend, "aci-une")) as wb:
        put(wb["Chapitre 1"], "1.1.1", COL_CARRIED, None)  # confirmed as it was
        put(wb["Chapitre 1"], "1.1.2", COL_CARRIED, None)
        put(wb["Chapitre 1"], "1.1.2", "retenu", 3)  # confirmed and raised
    return campaign


def test_the_restitution_pdf_shows_before_and_after_per_chapter_and_criterion(
    tmp_path: Path,
) -> None:
    campaign = _second_campaign(tmp_path)

    lines = _restitution_lines(campaign, "aci-une")

    assert HEADING.replace(" :", "\u00a0:") == SECTION
    assert SECTION in lines
    section = lines[lines.index(SECTION) :]
    header = ["Chapitre", "Campagne précédente", "Campagne en cours", "Évolution"]
    assert _row(section, "Chapitre", 4) == header
    chapter_1 = next(line for line in section if line.startswith("1 — "))
    chapter_2 = next(line for line in section if line.startswith("2 — "))
    # Chapter 1: (1 + 2) / 2 before, (1 + 3) / 2 now; chapter 2: only a level to confirm.
    assert _row(section, chapter_1, 4)[1:] == ["1,5", "2,0", "+0,5"]
    assert _row(section, chapter_2, 4)[1:] == ["3,0", "—", "—"]
    assert _row(section, "Score global", 4) == ["Score global", "2,3", "2,0", "-0,3"]  # 2,25 → 2,0
    assert "Critères dont le niveau a changé ou reste à confirmer" in section
    assert _row(section, "1.1.2", 6) == ["1.1.2", "Projet partagé", "2", "3", "+1,0",
                                          "confirmé ou revu"]  # fmt: skip
    assert _row(section, "2.1.1", 6)[2:] == ["3", "—", "—", "à confirmer"]
    assert "1.1.1" not in section  # confirmed at the same level: counted, not listed
    assert "1 autre critère est confirmé au même niveau." in section
    assert any("reste «\u00a0à confirmer\u00a0» (non compté)" in line for line in section)
    assert typography_faults(" ".join(section)) == []  # tests/test_typography.py's rules


def test_no_section_without_a_previous_campaign(tmp_path: Path) -> None:
    campaign = _second_campaign(tmp_path)

    lines = _restitution_lines(campaign, "ai-deux")  # still in its first campaign

    assert "Restitution CAP RSE" in lines
    assert not any(line.startswith("Avant / après") for line in lines)
    assert "Campagne précédente" not in lines


def test_criteria_confirmed_at_the_same_level_are_counted_not_listed() -> None:
    """Built from lines as :func:`before_after_lines` makes them: a structure whose group
    confirmed every carried level as it was, and one whose levels moved every way."""
    from capsync.layout.before_after import BeforeAfterLine, changed_criteria
    from capsync.render.restitution_pdf import restitution_pdf_bytes

    from .test_restitution_pdf import _data

    def line(scope: str, before: float | None, after: float | None, state: str) -> BeforeAfterLine:
        return BeforeAfterLine("beta", scope, "Intitulé", before, after, state)

    same = [line("Chapitre 1", 2.0, 2.0, ""), line("Score global", 2.0, 2.0, ""),
            line("Critère 1.1.1", 2.0, 2.0, "confirmé ou revu"),
            line("Critère 1.1.2", 2.0, 2.0, "confirmé ou revu")]  # fmt: skip
    text = _shown_lines(restitution_pdf_bytes(_data(), before_after=same))
    assert "Aucun critère n'a changé de niveau depuis la campagne précédente." in text
    assert "2 critères sont confirmés au même niveau." in text
    assert "Niveau repris" not in text

    moved = [line("Critère 1.1.1", None, 2.0, "nouveau"),
             line("Critère 1.1.2", 3.0, None, "à réévaluer"),
             line("Critère 1.2.1", 1.0, 1.0, "confirmé ou revu")]  # fmt: skip
    assert [m.scope for m in changed_criteria(moved)] == ["Critère 1.1.1", "Critère 1.1.2"]
    many = [line(f"Critère 9.{k}", 2.0, None, "à confirmer") for k in range(60)]
    text = _shown_lines(restitution_pdf_bytes(_data(), before_after=many))
    assert text.count("Niveau repris") == 2  # the header again atop the next page
    assert sum(t.startswith("9.") for t in text) == 60


def test_a_new_campaign_nobody_confirmed_yet_says_so_first(tmp_path: Path) -> None:
    """Every level carried, none confirmed: the first sentence says the group has them to
    confirm, not that the grid is empty (it is not: it holds the previous levels)."""
    from .test_new_campaign import _first_campaign, _rewrite, _start

    campaign, backend = _first_campaign(tmp_path)
    campaign = _rewrite(campaign, _config("2027-2028"))
    _start(campaign, backend)

    text = " ".join(_restitution_lines(campaign, "aci-une"))

    assert "Les 3 niveaux repris de la campagne précédente attendent la confirmation" in text
    assert "Rien n'a encore été renseigné" not in text
