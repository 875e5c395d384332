"""The regroupement kit: counts worked by hand, names only where a structure agreed, nothing
named at all with ``--anonyme``, and every regroupement of the example calendars gets its kit
at its date (the real sync, the real files, and the notifications find it)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from capsync.backends.local import LocalBackend
from capsync.backends.xlsx_read import read_workbook
from capsync.campaign.config import Collective, Phase
from capsync.campaign.validation import load_campaign
from capsync.cli import main
from capsync.jobs.notify import kept_kits
from capsync.jobs.regroupement_kits import due_kits, kit_name
from capsync.jobs.sync import run_cycle, state_path
from capsync.layout.messages_team import kit_messages
from capsync.layout.regroupement import WITNESS_SHEET, kit_sheet, kit_spec
from capsync.layout.regroupement_data import KitData, KitRequest, build_kit, mean_text
from capsync.render.regroupement_pdf import kit_pdf_bytes
from capsync.render.xlsx import render_xlsx
from capsync.store.database import Store
from capsync.store.sync_state import SyncState
from tests import layout_campaign as lc

from .example_campaign import copy_example
from .french_output import plain


def _phase(coll: Collective, chapter: str) -> Phase:
    return next(p for p in coll.phases() if p.kind == "regroupement" and p.chapter == chapter)


def _kit(coll: Collective | None = None, *, anonymous: bool = False) -> KitData:
    coll = coll or lc.collective()
    return build_kit(
        KitRequest(
            coll, lc.referentiel(), lc.scores(), lc.texts(), _phase(coll, "1"), lc.TODAY, 14,
            anonymous,
        )
    )  # fmt: skip


def _consenting(*ids: str) -> Collective:
    coll = lc.collective()
    structures = [s.model_copy(update={"testimony_consent": s.id in ids}) for s in coll.structures]
    return coll.model_copy(update={"structures": structures})


def test_the_counts_per_level_rest_on_the_structures_that_answered() -> None:
    kit = _kit()
    lines = {ln.criterion: ln for ln in kit.lines}
    assert list(lines) == ["1.1.1", "1.1.2", "1.2.1"]  # chapter 1 only
    assert lines["1.1.1"].counts == (0, 1, 0, 2, 0) and lines["1.1.1"].n == 3  # 3, 1, 3
    assert lines["1.1.2"].counts == (0, 1, 1, 1, 0)  # alpha 1, beta 2, delta 3
    assert lines["1.2.1"].counts == (0, 0, 0, 1, 1) and lines["1.2.1"].few  # 2 structures
    assert lines["1.1.1"].mean == pytest.approx(7 / 3)
    assert [ln.spread for ln in lines.values()] == [2.0, 2.0, 1.0]
    assert mean_text(lines["1.2.1"].mean, 2) == "3,5 (2 structures, peu de réponses)"
    assert (kit.answered, kit.structures) == (3, 4)  # gamma answered nothing
    assert kit.chapter_mean == pytest.approx((8 / 3 + 1.5 + 3) / 3)
    assert [ln.criterion for ln in kit.dividing] == ["1.1.1", "1.1.2", "1.2.1"]
    # one structure in three below level 2 on each: 1.1.2 first (lower mean)
    assert [(w.line.criterion, w.line.weak) for w in kit.weak_points] == [
        ("1.1.2", 1),
        ("1.1.1", 1),
    ]
    # beta 2 of 3, gamma nothing; the regroupement is 9 days away (late_days 14)
    assert [(s.label, s.status, s.answered) for s in kit.stragglers] == [
        ("Gamma Emploi", "en retard", 0),
        ("@Bêta Services", "en retard", 2),
    ]
    assert [(s.title, s.for_criteria) for s in kit.services] == [
        ("Guide du projet associatif", ("1.1.2", "1.1.1"))
    ]
    assert kit.agenda[0].start == "9 h 30" and kit.agenda[-1].title == "Suites"


def test_a_witness_is_named_only_when_it_agreed() -> None:
    anonymous = next(w for w in _kit().weak_points if w.line.criterion == "1.1.1")
    # alpha is at 3 with « -Projet voté en AG »; delta at 3 wrote no justification
    # the only AI of the collectif: its type would name it
    assert [(w.label, w.level, w.level_text, w.excerpt) for w in anonymous.witnesses] == [
        ("une structure", 3.0, "niveau 3 - Maîtrisé", "")
    ]
    named = next(w for w in _kit(_consenting("alpha")).weak_points if w.line.criterion == "1.1.1")
    assert [(w.label, w.excerpt) for w in named.witnesses] == [
        ("Alpha Insertion", "-Projet voté en AG")
    ]
    spec = kit_spec(_kit(_consenting("alpha")), "test-collectif", "cap-rse-test", "1")
    cells = [v for row in spec.sheet(WITNESS_SHEET).rows for v in row]
    assert "Alpha Insertion" in cells and "-Projet voté en AG" in cells  # as typed, not a formula


def _texts(xlsx: Path, pdf: Path) -> str:
    cells = [str(v) for rows in read_workbook(xlsx).values() for row in rows for v in row if v]
    shown = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    return "\n".join(cells) + "\n" + shown


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_anonymous_kit_names_no_structure(tmp_path: Path) -> None:
    coll = _consenting("alpha", "beta", "gamma", "delta")  # even those who agreed
    kit = _kit(coll, anonymous=True)
    xlsx, pdf = tmp_path / "kit.xlsx", tmp_path / "kit.pdf"
    render_xlsx(kit_spec(kit, coll.id, "cap-rse-test", "1"), xlsx)
    pdf.write_bytes(kit_pdf_bytes(kit))
    text = _texts(xlsx, pdf)
    assert "une structure" in text and "Gamma" not in text
    assert "une structure (" not in text  # every type of this collectif is unique
    for structure in coll.structures:
        assert structure.name not in text, structure.name
    named = _kit(coll)  # without --anonyme, the late ones and those who agreed are named
    render_xlsx(kit_spec(named, coll.id, "cap-rse-test", "1"), xlsx)
    pdf.write_bytes(kit_pdf_bytes(named))
    assert "Gamma Emploi" in _texts(xlsx, pdf)


def test_a_kit_is_due_from_n_days_before_its_regroupement_until_its_day() -> None:
    coll = lc.collective()
    settings = lc.inputs().settings.model_copy(update={"kit_days_before": 10})
    meeting = dt.date(2025, 4, 10)
    assert due_kits(coll, settings, set(), meeting - dt.timedelta(days=11)) == []
    assert [p.date for p in due_kits(coll, settings, set(), dt.date(2025, 3, 31))] == [meeting]
    assert due_kits(coll, settings, {"1:2025-04-10"}, dt.date(2025, 4, 5)) == []
    assert due_kits(coll, settings, set(), meeting + dt.timedelta(days=1)) == []
    assert kit_name(_phase(coll, "1"), anonymous=True) == "chapitre-1-2025-04-10-anonyme"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = copy_example(tmp_path_factory.mktemp("kits"))
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["settings"] = {**raw.get("settings", {}), "kit_days_before": 7}
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    for command in (["generate"], ["demo"]):
        result = CliRunner().invoke(main, ["--config", str(config), *command])
        assert result.exit_code == 0, result.output
    return config


def test_every_regroupement_of_the_example_calendars_gets_its_kit_at_its_date(
    example: Path,
) -> None:
    campaign = load_campaign(example)
    backend = LocalBackend(campaign.data_dir)
    meetings = sorted(
        (p.date - dt.timedelta(days=7), coll.id, p)
        for coll in campaign.config.collectives
        for p in coll.phases()
        if p.kind == "regroupement"
    )
    assert len(meetings) == 10
    with Store.open(campaign.data_dir) as store, SyncState(state_path(campaign.data_dir)) as st:
        for day, coll_id, phase in meetings:
            folder = campaign.data_dir / coll_id / "regroupements"
            name = kit_name(phase)
            now = dt.datetime.combine(day, dt.time(8, 0))
            early = run_cycle(campaign, backend, store, st, now=now - dt.timedelta(days=1),
                              collective=coll_id)  # fmt: skip
            assert not (folder / f"{name}.xlsx").exists(), name
            assert early.ok, early.errors
            report = run_cycle(campaign, backend, store, st, now=now, collective=coll_id)
            assert report.ok, report.errors
            assert (folder / f"{name}.xlsx").is_file() and (folder / f"{name}.pdf").is_file()
            kits = [p for p in report.produced() if p.kind == "regroupement"]
            assert [k.name for k in kits] == [name]
            again = run_cycle(campaign, backend, store, st, now=now, collective=coll_id, force=True)
            assert not [p for p in again.produced() if p.kind == "regroupement"]  # once
    occitanie = campaign.config.collective("occitanie")
    found = kept_kits(backend, occitanie)
    assert [k.ref.name for k in found] == [
        "chapitre-1-2025-12-11", "chapitre-2-2026-03-19", "chapitre-3-2026-06-18",
        "chapitre-4-2026-11-26", "chapitre-5-2027-03-18",
    ]  # fmt: skip
    messages = kit_messages(occitanie, found, campaign.config.mail, campaign.config.settings)
    assert (
        messages
        and messages[0].subject == "CAP RSE — kit du regroupement du chapitre 1 (11/12/2025)"
    )
    iso = kit_messages(occitanie, found, campaign.config.mail, campaign.config.settings, "CAP ISO")
    assert iso[0].subject.startswith("CAP ISO — kit du regroupement")  # its own démarche


def test_capsync_regroupement_keeps_each_kit_and_says_so_in_french(example: Path) -> None:
    runner = CliRunner()
    args = ["--config", str(example), "regroupement", "--collective", "occitanie"]
    first = runner.invoke(main, [*args, "--chapitre", "2", "--anonyme"])
    second = runner.invoke(main, [*args, "--chapitre", "2", "--anonyme"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    xlsx, pdf = plain(second.output).splitlines()
    assert xlsx.startswith("Kit du regroupement produit : ")
    assert xlsx.endswith("chapitre-2-2026-03-19-anonyme-2.xlsx")
    assert pdf.startswith("Son PDF, à projeter : ")
    assert pdf.endswith("chapitre-2-2026-03-19-anonyme-2.pdf")
    assert Path(pdf.removeprefix("Son PDF, à projeter : ")).is_file()
    named = runner.invoke(main, [*args, "--chapitre", "2"])  # for the délégué·e·s only
    assert plain(named.output).splitlines()[1].startswith("Son PDF : "), named.output
    missing = runner.invoke(main, [*args, "--chapitre", "9"])
    assert missing.exit_code == 1
    assert "n'a pas de regroupement pour le chapitre 9" in plain(missing.output)
    unknown = runner.invoke(
        main, ["--config", str(example), "regroupement", "--collective", "x", "--chapitre", "1"]
    )
    assert unknown.exit_code == 1 and "ne connaît pas le collectif « x »" in plain(unknown.output)


def test_a_regroupement_without_a_place_says_how_it_is_held_after_its_date() -> None:
    """No address: the modality, written as it reads after a date and a comma
    (« 11/06/2025, en présentiel », never « , En présentiel »)."""
    from capsync.campaign.vocabulary import Modality

    coll = lc.collective()
    for modality, said in ((Modality.PRESENTIEL, "en présentiel"), (Modality.VISIO, "en visio")):
        phase = _phase(coll, "1").model_copy(
            update={"place": None, "address": None, "modality": modality}
        )
        kit = build_kit(
            KitRequest(coll, lc.referentiel(), lc.scores(), lc.texts(), phase, lc.TODAY, 14, False)
        )
        assert kit.place == said
        row = next(r for r in kit_sheet(kit).rows if r and r[0] == "Regroupement")
        assert row[1] == f"{phase.date:%d/%m/%Y}, {said}"
