"""``generate --upgrade``: a new référentiel and new respondents, and not one typed value lost."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

from capsync.backends.local import LocalBackend
from capsync.backends.xlsx_read import read_workbook
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.validation import Campaign
from capsync.jobs.generate import GridOutcome, generate
from capsync.parse.carry import read_identity
from capsync.parse.locate import locate_chapter_sheet, locate_plan_sheet
from capsync.workbook.grid_schema import FIRST_DATA_ROW, HEADER_ROW, KEY_ROW
from capsync.workbook.refs import Kind, WorkbookRef, raw_cell
from tests.grid_campaign import config, criterion, referentiel_v1, write_campaign

NOW = dt.datetime(2025, 9, 1, 10, 0, 0)
LATER = dt.datetime(2025, 10, 2, 11, 30, 0)
ACI = WorkbookRef("test-na", Kind.GRID, "aci-une")
AI = WorkbookRef("test-na", Kind.GRID, "ai-deux")
INPUT_KEYS = (
    "retenu",
    "justification",
    "niveau_tiers",
    "commentaire_tiers",
    "niveau_pair",
    "commentaire_pair",
)


def referentiel_v2() -> dict[str, Any]:
    """Adds 1.1.4, removes 1.1.2, renames 1.1.1, reorders objectives, moves 2.1.2 to chapter 1,
    and 2.1.1 now applies to AI only."""
    ref = referentiel_v1()
    ref["version"] = "2"
    gov = ref["chapters"][0]["objectives"]
    projet, instances = gov
    projet["criteria"] = [
        criterion("1.1.4", "Nouveau critère"),
        criterion("1.1.1", "Projet associatif écrit (nouveau titre)"),
        projet["criteria"][2],
    ]
    moved = copy.deepcopy(ref["chapters"][1]["objectives"][0]["criteria"][1])
    instances["criteria"] = [moved, *instances["criteria"]]
    ref["chapters"][0]["objectives"] = [instances, projet]
    ref["chapters"][1]["objectives"][0]["criteria"] = [
        criterion("2.1.1", "Accueil des candidat·e·s", ["AI"])
    ]
    return ref


def _campaign(tmp_path: Path, ref: dict[str, Any], cfg: dict[str, Any] | None = None) -> Campaign:
    """The campaign with référentiel ``ref``, which moves a criterion to another chapter under
    the same ID: the YAML checks refuse such an ID, but a grid must survive it anyway."""
    model = Referentiel.model_validate(ref)
    return dataclasses.replace(
        write_campaign(tmp_path, None, cfg), referentiel=model, referentiels={model.id: model}
    )


def _fill(path: Path) -> Counter[Any]:
    """Type values in every input cell, and some of the structure's own; return them."""
    typed: Counter[Any] = Counter()
    wb = openpyxl.load_workbook(path)
    n = 0
    for ws in wb.worksheets:
        if not ws.title.startswith("Chapitre"):
            continue
        keys = [c.value for c in ws[KEY_ROW + 1]]
        for r in range(FIRST_DATA_ROW + 1, ws.max_row + 1):
            cid = ws.cell(r, 1).value
            for c, key in enumerate(keys, start=1):
                if key and (key.startswith("r:") or key in INPUT_KEYS):
                    n += 1
                    value: Any = float(n % 5) if n % 3 == 0 else f"{key} {cid} #{n}"
                    if n == 7:
                        value = '=IMPORTXML("http://x", "//a")'
                    ws.cell(r, c).value = value
                    if n == 7:  # text typed as text ('=…), not a formula
                        ws.cell(r, c).data_type = "s"
                    typed[value] += 1
        extra = ws.max_column + 1  # a column the structure added
        ws.cell(HEADER_ROW + 1, extra).value = f"Notes internes {ws.title}"
        ws.cell(FIRST_DATA_ROW + 1, extra).value = f"note {ws.title}"
        typed.update([f"Notes internes {ws.title}", f"note {ws.title}"])
        free = ws.max_row + 2  # a row without ID
        ws.cell(free, 3).value = f"ligne libre {ws.title}"
        typed[f"ligne libre {ws.title}"] += 1
        # re-sort: swap the first two criterion rows
        a, b = FIRST_DATA_ROW + 1, FIRST_DATA_ROW + 2
        for c in range(1, ws.max_column + 1):
            first, second = ws.cell(a, c), ws.cell(b, c)
            values = (first.value, first.data_type, second.value, second.data_type)
            first.value, first.data_type, second.value, second.data_type = values[2:] + values[:2]
    plan = wb["Plan de progrès"]
    rows = [
        ["1.1.2", "Réécrire le projet", "CA", dt.date(2026, 6, 30), "en cours", "urgent"],
        ["2.1.1", "Livret", "CIP", None, "à faire", None],
    ]
    columns = ("critere", "action", "responsable", "echeance", "statut", "commentaire")
    keys = [c.value for c in plan[KEY_ROW + 1]]
    for i, row in enumerate(rows):
        for key, value in zip(columns, row, strict=True):
            plan.cell(FIRST_DATA_ROW + 1 + i, keys.index(key) + 1).value = value
            if value is not None:
                typed[value] += 1
    wb.save(path)
    return typed


def _found(raw: dict[str, list[list[Any]]], respondents: tuple[str, ...]) -> Counter[Any]:
    """Every person-typed value of an upgraded grid: input cells, plan, Archives."""
    found: Counter[Any] = Counter()
    for name, rows in raw.items():
        if name.startswith("Chapitre"):
            located = locate_chapter_sheet(name, rows)
            assert located is not None and not located.extra_columns
            for r in located.rows.values():
                for key, c in located.columns.items():
                    value = raw_cell(raw, name, r, c)
                    if (key.startswith("r:") or key in INPUT_KEYS) and value is not None:
                        found[value] += 1
        elif name == "Plan de progrès":
            located = locate_plan_sheet(name, rows)
            assert located is not None
            computed = located.columns["niveau_actuel"]  # the sheet's formula, not typed
            found.update(
                v
                for r in located.data_rows
                for c, v in enumerate(rows[r])
                if v is not None and c != computed
            )
        elif name == "Archives":
            found.update(row[4] for row in rows[FIRST_DATA_ROW:])
    return found


def test_upgrade_keeps_every_typed_value(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    generate(campaign, now=NOW)
    backend = LocalBackend(campaign.data_dir)
    typed = _fill(backend.path(ACI))
    wb = openpyxl.load_workbook(backend.path(AI))
    wb["Chapitre 1"].cell(HEADER_ROW + 1, 5).value = "Paulette Durand"  # r:1
    wb["Chapitre 1"].cell(FIRST_DATA_ROW + 1, 5).value = "3 - Maîtrisé"
    wb.save(backend.path(AI))

    cfg = config(
        [
            {"name": "Sophie Marchand", "role": "direction"},
            {"name": "Élodie Roux", "role": "administrateur"},
            {"name": "Lucie Martin", "role": "permanent"},
        ]
    )
    campaign = _campaign(tmp_path, referentiel_v2(), cfg)
    summary = generate(campaign, upgrade=True, now=LATER)
    assert [r.status for r in summary.results] == [GridOutcome.UPGRADED, GridOutcome.UPGRADED]

    raw = backend.read(ACI)
    identity = read_identity(raw)
    assert identity is not None and identity.referentiel_version == "2"
    assert identity.respondents == ("r:sophie-marchand", "r:elodie-roux", "r:lucie-martin")
    assert _found(raw, identity.respondents) == typed

    # placed by criterion ID and key, whatever the order or chapter
    ch1 = locate_chapter_sheet("Chapitre 1", raw["Chapitre 1"])
    assert ch1 is not None
    assert list(ch1.rows) == ["2.1.2", "1.2.1", "1.1.4", "1.1.1"]
    old = read_workbook(
        backend.path(ACI).parent.parent / "sauvegardes" / "aci-une-20251002-113000.xlsx"
    )
    old_ch2 = locate_chapter_sheet("Chapitre 2", old["Chapitre 2"])
    assert old_ch2 is not None
    for key in ("r:sophie-marchand", "justification"):
        before = old["Chapitre 2"][old_ch2.rows["2.1.2"]][old_ch2.columns[key]]
        assert raw["Chapitre 1"][ch1.rows["2.1.2"]][ch1.columns[key]] == before
    assert raw["Chapitre 1"][ch1.rows["1.1.1"]][2] == "Projet associatif écrit (nouveau titre)"
    assert all(
        raw_cell(raw, "Chapitre 1", ch1.rows["1.1.4"], c) is None
        for k, c in ch1.columns.items()
        if k.startswith("r:") or k in INPUT_KEYS
    )
    archives = raw["Archives"][FIRST_DATA_ROW:]
    karim = [row for row in archives if str(row[4]).startswith("r:karim-benali")]
    assert {row[2] for row in karim} == {"1.1.1", "1.1.2", "1.2.1", "2.1.1", "2.1.2"}
    assert all(row[3].endswith(" — Karim Benali (Salarié·e permanent·e)") for row in karim)
    assert {row[5] for row in archives} == {dt.date(2025, 10, 2)}
    assert '=IMPORTXML("http://x", "//a")' in typed

    report = next(r.report for r in summary.results if r.ref == ACI)
    assert report is not None
    assert report.backup.endswith("sauvegardes/aci-une-20251002-113000.xlsx")
    assert Path(report.backup).is_file()
    assert "réponses déplacées" in report.text()
    assert (
        summary.lines()[0] == "2 grilles examinées : 2 mise(s) à jour, 0 déjà à jour, 0 créée(s)."
    )

    # the anonymous header the AI structure typed is kept, with its answer
    ai = backend.read(AI)
    assert ai["Chapitre 1"][HEADER_ROW][4] == "Paulette Durand"
    ai_ch1 = locate_chapter_sheet("Chapitre 1", ai["Chapitre 1"])
    assert ai_ch1 is not None
    assert ai["Chapitre 1"][ai_ch1.rows["1.1.1"]][ai_ch1.columns["r:1"]] == "3 - Maîtrisé"

    # a second upgrade touches nothing
    files = {p: p.stat().st_mtime_ns for p in campaign.data_dir.rglob("*.xlsx")}
    again = generate(campaign, upgrade=True, now=LATER + dt.timedelta(hours=1))
    assert [r.status for r in again.results] == [GridOutcome.UP_TO_DATE, GridOutcome.UP_TO_DATE]
    assert {p: p.stat().st_mtime_ns for p in campaign.data_dir.rglob("*.xlsx")} == files


def test_archives_survive_a_second_upgrade(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    generate(campaign, now=NOW)
    backend = LocalBackend(campaign.data_dir)
    typed = _fill(backend.path(ACI))
    campaign = _campaign(tmp_path, referentiel_v2())
    generate(campaign, upgrade=True, now=NOW)
    ref3 = referentiel_v1()
    ref3["version"] = "3"
    campaign = write_campaign(tmp_path, ref3)
    generate(campaign, upgrade=True, now=LATER)
    raw = backend.read(ACI)
    identity = read_identity(raw)
    assert identity is not None
    assert _found(raw, identity.respondents) == typed
    assert len(list((campaign.data_dir / "test-na" / "sauvegardes").glob("aci-une-*.xlsx"))) == 2


def test_a_locked_grid_is_not_upgraded(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    generate(campaign, now=NOW)
    backend = LocalBackend(campaign.data_dir)
    lock = backend.path(ACI).with_name("~$aci-une.xlsx")
    lock.write_text("verrou Excel")
    before = backend.path(ACI).read_bytes()
    campaign = _campaign(tmp_path, referentiel_v2())
    summary = generate(campaign, upgrade=True, now=LATER)
    assert [r.status for r in summary.results] == [GridOutcome.LOCKED, GridOutcome.UPGRADED]
    assert backend.path(ACI).read_bytes() == before
    assert not list((campaign.data_dir / "test-na" / "sauvegardes").glob("aci-une-*"))
    lock.unlink()
    summary = generate(campaign, upgrade=True, now=LATER)
    assert [r.status for r in summary.results] == [GridOutcome.UPGRADED, GridOutcome.UP_TO_DATE]


def _columns(ws: Any) -> dict[str, int]:
    """Column key → 1-based column of an openpyxl chapter sheet, from the hidden key row."""
    return {c.value: c.column for c in ws[KEY_ROW + 1] if c.value}


def _criterion_rows(ws: Any) -> dict[str, int]:
    return {ws.cell(r, 1).value: r for r in range(FIRST_DATA_ROW + 1, ws.max_row + 1)}


def _named_ai_config() -> dict[str, Any]:
    cfg = config()
    ai = cfg["collectives"][0]["structures"][1]
    ai["respondents"] = [
        {"name": "Marie Curie", "role": "direction"},
        {"name": "Paul", "role": "permanent"},
    ]
    return cfg


def test_named_anonymous_columns_become_the_configured_respondents(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    generate(campaign, now=NOW)
    backend = LocalBackend(campaign.data_dir)
    wb = openpyxl.load_workbook(backend.path(AI))
    ws = wb["Chapitre 1"]
    cols, rows = _columns(ws), _criterion_rows(ws)
    ws.cell(HEADER_ROW + 1, cols["r:1"]).value = "Marie Curie"
    ws.cell(HEADER_ROW + 1, cols["r:2"]).value = "paul (salarié)"
    ws.cell(HEADER_ROW + 1, cols["r:3"]).value = "Jean"
    ws.cell(rows["1.1.1"], cols["r:1"]).value = "3 - Maîtrisé"
    ws.cell(rows["1.2.1"], cols["r:2"]).value = "2"
    ws.cell(rows["1.1.1"], cols["r:3"]).value = "1"
    ws2 = wb["Chapitre 2"]  # header typed on chapter 1 only: the column is still Marie's
    ws2.cell(_criterion_rows(ws2)["2.1.2"], _columns(ws2)["r:1"]).value = "4"
    wb.save(backend.path(AI))

    campaign = write_campaign(tmp_path, None, _named_ai_config())
    summary = generate(campaign, structure="ai-deux", upgrade=True, now=LATER)
    assert [r.status for r in summary.results] == [GridOutcome.UPGRADED]
    report = summary.results[0].report
    assert report is not None
    assert report.renamed == ["Répondant·e 1 → Marie Curie", "Répondant·e 2 → Paul"]
    assert summary.lines()[1].endswith(
        "colonne reprise : Répondant·e 1 → Marie Curie, colonne reprise : Répondant·e 2 → Paul."
    )

    raw = backend.read(AI)
    ch1 = locate_chapter_sheet("Chapitre 1", raw["Chapitre 1"])
    ch2 = locate_chapter_sheet("Chapitre 2", raw["Chapitre 2"])
    assert ch1 is not None and ch2 is not None
    assert ch1.respondent_keys() == ["r:marie-curie", "r:paul"]
    assert ch1.headers["r:marie-curie"] == "Marie Curie (Direction)"
    assert raw["Chapitre 1"][ch1.rows["1.1.1"]][ch1.columns["r:marie-curie"]] == "3 - Maîtrisé"
    assert raw["Chapitre 1"][ch1.rows["1.2.1"]][ch1.columns["r:paul"]] == "2"
    assert raw["Chapitre 2"][ch2.rows["2.1.2"]][ch2.columns["r:marie-curie"]] == "4"
    archived = {(row[1], row[4]) for row in raw["Archives"][FIRST_DATA_ROW:]}
    jean = get_column_letter(cols["r:3"])
    assert archived == {(f"{jean}{HEADER_ROW + 1}", "Jean"), (f"{jean}{rows['1.1.1']}", "1")}


def test_a_sheet_the_structure_named_archives_is_kept_whole(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    generate(campaign, now=NOW)
    backend = LocalBackend(campaign.data_dir)
    typed = _fill(backend.path(ACI))
    wb = openpyxl.load_workbook(backend.path(ACI))
    ws = wb.create_sheet("Archives")
    for r in range(1, 7):
        for c in range(1, 4):
            ws.cell(r, c).value = f"archive maison L{r}C{c}"
            typed[f"archive maison L{r}C{c}"] += 1
    wb.save(backend.path(ACI))
    campaign = _campaign(tmp_path, referentiel_v2())
    generate(campaign, structure="aci-une", upgrade=True, now=LATER)
    raw = backend.read(ACI)
    identity = read_identity(raw)
    assert identity is not None
    assert _found(raw, identity.respondents) == typed
    kept = [row for row in raw["Archives"][FIRST_DATA_ROW:] if row[0] == "Archives"]
    assert [(row[1], row[4]) for row in kept[:2]] == [
        ("A1", "archive maison L1C1"),
        ("B1", "archive maison L1C2"),
    ]


def test_text_typed_in_title_rows_is_archived(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    generate(campaign, now=NOW)
    backend = LocalBackend(campaign.data_dir)
    wb = openpyxl.load_workbook(backend.path(AI))
    wb["Chapitre 1"]["H1"] = "Séance du 12 mars"
    wb["Plan de progrès"]["E1"] = "Relu en CA"
    wb.save(backend.path(AI))
    campaign = _campaign(tmp_path, referentiel_v2())
    generate(campaign, structure="ai-deux", upgrade=True, now=LATER)
    raw = backend.read(AI)
    archived = [row[:5] for row in raw["Archives"][FIRST_DATA_ROW:]]
    assert archived == [
        ["Chapitre 1", "H1", None, "ligne de titre", "Séance du 12 mars"],
        ["Plan de progrès", "E1", None, "ligne de titre", "Relu en CA"],
    ]
    # the upgraded grid's own title and an earlier « Archives » are not archived again
    generate(
        write_campaign(tmp_path, {**referentiel_v1(), "version": "3"}), upgrade=True, now=LATER
    )
    again = [row[:5] for row in backend.read(AI)["Archives"][FIRST_DATA_ROW:]]
    assert again == archived


def test_upgrade_summary_speaks_proper_french(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    generate(campaign, now=NOW)
    backend = LocalBackend(campaign.data_dir)
    wb = openpyxl.load_workbook(backend.path(AI))
    ws = wb["Chapitre 1"]
    cols, rows = _columns(ws), _criterion_rows(ws)
    ws["H1"] = "Séance du 12 mars"
    ws.cell(HEADER_ROW + 1, cols["r:1"]).value = "Marie Curie"
    ws.cell(HEADER_ROW + 1, cols["r:2"]).value = "Jean"
    ws.cell(rows["1.1.1"], cols["r:1"]).value = "3"
    ws.cell(rows["1.1.1"], cols["r:2"]).value = "2"
    ws.cell(rows["1.1.2"], cols["retenu"]).value = "1"
    wb["Plan de progrès"].cell(FIRST_DATA_ROW + 1, 4).value = "Former le CA"  # « Action »
    wb.save(backend.path(AI))
    cfg = config()
    cfg["collectives"][0]["structures"][1]["respondents"] = [
        {"name": "Marie Curie", "role": "direction"}
    ]
    campaign = _campaign(tmp_path, referentiel_v2(), cfg)
    summary = generate(campaign, structure="ai-deux", upgrade=True, now=LATER)
    assert summary.lines()[1] == (
        "  ai-deux : 1 cellule de ligne de titre archivée, "
        "1 en-tête de répondant·e retiré·e archivé, 1 réponse déplacée, "
        "1 réponse de répondant·e retiré·e archivée, 1 réponse de critère retiré archivée, "
        "1 ligne du plan de progrès reprise, colonne reprise : Répondant·e 1 → Marie Curie."
    )


def test_after_an_upgrade_a_renamed_respondent_counts_once(tmp_path: Path) -> None:
    from capsync.jobs.pull import pull
    from capsync.store.database import Store

    campaign = write_campaign(tmp_path)
    generate(campaign, now=NOW)
    backend = LocalBackend(campaign.data_dir)
    wb = openpyxl.load_workbook(backend.path(AI))
    ws = wb["Chapitre 1"]
    cols, rows = _columns(ws), _criterion_rows(ws)
    ws.cell(HEADER_ROW + 1, cols["r:1"]).value = "Marie Curie"
    ws.cell(rows["1.1.1"], cols["r:1"]).value = "3 - Maîtrisé"
    wb.save(backend.path(AI))
    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=NOW)
        before = store.current_answers("test-na")
        assert before[before["structure"] == "ai-deux"]["column"].tolist() == ["r:1"]
        campaign = write_campaign(tmp_path, None, _named_ai_config())
        generate(campaign, structure="ai-deux", upgrade=True, now=LATER)
        pull(campaign, backend, store, now=LATER)
        after = store.current_answers("test-na")
        mine = after[after["structure"] == "ai-deux"]
        assert mine[["criterion", "column", "level"]].values.tolist() == [
            ["1.1.1", "r:marie-curie", 3.0]
        ]
        changes = [(e.column, e.old, e.new) for e in store.history("ai-deux")]
        assert ("r:1", "3 - Maîtrisé", None) in changes  # the history keeps the old column
