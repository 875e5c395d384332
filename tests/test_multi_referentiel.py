"""Two référentiels side by side in one configuration (issue 12, point 6).

The example campaign plus a collectif « qualite-bretagne » that follows the small CAP ISO
9001 example, whose criterion IDs (« 1.1.1 ») repeat CAP RSE's on purpose: each
collectif's grids, answers, dashboard and network sheets follow its own référentiel, and
nothing is averaged across the two. Real files, a real SQLite store, no mock.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from capsync.backends.local import LocalBackend
from capsync.backends.xlsx_read import read_workbook
from capsync.campaign.validation import Campaign, load_campaign
from capsync.errors import ImportRefused, ValidationFailed
from capsync.jobs.generate import GridOutcome, generate
from capsync.jobs.import_grids import import_grid
from capsync.jobs.network import network_inputs
from capsync.jobs.notify import compose_all
from capsync.jobs.pull import pull
from capsync.jobs.referentiel_guard import referentiel_switches
from capsync.jobs.restitution_request import request_restitutions
from capsync.jobs.sync import run_cycle, state_path
from capsync.layout.network_sheets import network_workbook
from capsync.parse.answers import AnomalyKind
from capsync.store.database import STORE_FILE, Store
from capsync.store.sent_messages import MailLog
from capsync.store.sync_state import SyncState
from capsync.workbook.grid_schema import COL_RETAINED, FIRST_DATA_ROW, KEY_ROW
from capsync.workbook.identity import identity_from_rows
from capsync.workbook.refs import Kind, WorkbookRef

from .two_referentiels import ISO, ISO_COLLECTIVE, line_of, two_referentiel_campaign

NOW = dt.datetime(2026, 3, 2, 9, 0)
RSE = "cap-rse-exemple"


def plain(text: str) -> str:
    """French typography's no-break spaces as plain ones, to compare messages."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def fill(backend: LocalBackend, collective: str, structure: str, level: int) -> None:
    """Type ``level`` as the niveau retenu of every criterion, as a person would."""
    ref = WorkbookRef(collective, Kind.GRID, structure)
    raw = backend.read(ref)
    path = backend.path(ref)
    book = openpyxl.load_workbook(path)
    for name, rows in raw.items():
        if not name.startswith("Chapitre") or len(rows) <= KEY_ROW:
            continue
        col = list(rows[KEY_ROW]).index(COL_RETAINED)
        for r in range(FIRST_DATA_ROW, len(rows)):
            if rows[r] and isinstance(rows[r][0], str) and rows[r][0].count(".") == 2:
                book[name].cell(r + 1, col + 1).value = level
    book.save(path)


@pytest.fixture
def campaign(tmp_path: Path) -> Campaign:
    return load_campaign(two_referentiel_campaign(tmp_path))


@pytest.fixture
def synced(campaign: Campaign) -> Campaign:
    """Grids generated, two structures of each référentiel filled, one cycle run."""
    backend = LocalBackend(campaign.data_dir)
    generate(campaign, backend, workers=1, now=NOW)
    fill(backend, ISO_COLLECTIVE, "ressourcerie-rennes", 3)  # the top of ISO's 0–3 scale
    fill(backend, ISO_COLLECTIVE, "emploi-services-brest", 1)
    fill(backend, "occitanie", "jardins-du-lauragais", 4)  # the top of CAP RSE's 0–4 scale
    with Store.open(campaign.data_dir) as store:
        state = SyncState(state_path(campaign.data_dir))
        report = run_cycle(campaign, backend, store, state, now=NOW)
    assert not [c.error for c in report.collectives if c.error]
    return campaign


def test_a_collectif_names_its_referentiel_and_the_others_keep_the_default(
    campaign: Campaign,
) -> None:
    assert campaign.referentiel.id == RSE
    assert campaign.referentiel_for("occitanie").id == RSE
    assert campaign.referentiel_for(ISO_COLLECTIVE).id == ISO
    view = campaign.for_collective(ISO_COLLECTIVE)
    assert view.referentiel.id == ISO and view.referentiel_path.name == f"{ISO}.yaml"
    assert view.referentiel_for("occitanie").id == RSE  # the view still knows the others
    assert campaign.for_collective("occitanie") is campaign
    assert [r.id for r in campaign.in_use()] == [RSE, ISO]


def test_each_collectif_s_grids_follow_its_own_referentiel(campaign: Campaign) -> None:
    backend = LocalBackend(campaign.data_dir)
    generate(campaign, backend, workers=1, now=NOW)
    iso = read_workbook(backend.path(WorkbookRef(ISO_COLLECTIVE, Kind.GRID, "ressourcerie-rennes")))
    rse = read_workbook(backend.path(WorkbookRef("occitanie", Kind.GRID, "jardins-du-lauragais")))
    assert [s for s in iso if s.startswith("Chapitre")] == [
        "Chapitre 1", "Chapitre 2", "Chapitre 3"
    ]  # fmt: skip
    assert len([s for s in rse if s.startswith("Chapitre")]) == 5
    iso_text = {str(v) for row in iso["Chapitre 1"] for v in row}
    assert "Politique qualité écrite" in iso_text
    assert "Projet associatif formalisé" not in iso_text  # CAP RSE's 1.1.1
    iso_identity = identity_from_rows(iso["_capsync"])
    rse_identity = identity_from_rows(rse["_capsync"])
    assert iso_identity is not None and iso_identity.referentiel_id == ISO
    assert rse_identity is not None and rse_identity.referentiel_id == RSE


def test_answers_dashboard_and_network_keep_the_referentiels_apart(synced: Campaign) -> None:
    with Store.open(synced.data_dir) as store:
        iso = store.current_answers(ISO_COLLECTIVE)
        rse = store.current_answers("occitanie")
    iso_criteria = set(synced.referentiel_for(ISO_COLLECTIVE).criteria)
    assert set(iso["criterion"]) == iso_criteria  # six criteria, IDs shared with CAP RSE
    assert len(set(rse["criterion"])) > len(iso_criteria)

    dashboard = read_workbook(synced.data_dir / ISO_COLLECTIVE / "tableau-de-bord.xlsx")
    text = {str(v) for rows in dashboard.values() for row in rows for v in row}
    assert any("Leadership et politique qualité" in t for t in text)
    assert not any("Projet associatif et gouvernance" in t for t in text)

    network = read_workbook(synced.data_dir / "reseau" / "vue-reseau.xlsx")
    assert "Participation · CAP RSE" in network and "Participation · ISO 9001" in network
    iso_rows = [r for r in network["Participation · ISO 9001"] if r and r[0] == "Bretagne"]
    rse_regions = {r[0] for r in network["Participation · CAP RSE"] if r}
    assert len(iso_rows) == 1 and "Bretagne" not in rse_regions
    engaged, answered, _, overall = iso_rows[0][2:6]
    assert (engaged, answered) == (3, 2)
    assert overall == pytest.approx((3 + 1) / 2, abs=0.01)  # ISO's own scale, alone
    title = plain(str(network["Niveaux par région · ISO 9001"][0][0]))
    assert title.startswith("Vue réseau — Référentiel CAP ISO 9001 — exemple — niveaux")
    chapters = {str(r[0]) for r in network["Niveaux par région · ISO 9001"] if r}
    assert not any("Projet associatif" in c for c in chapters)


def _problems(config: Path) -> list[str]:
    with pytest.raises(ValidationFailed) as failed:
        load_campaign(config)
    return [plain(str(p)) for p in failed.value.problems]


def test_a_collectif_naming_an_unknown_referentiel_is_refused_with_its_line(
    campaign: Campaign,
) -> None:
    config = campaign.config_path
    config.write_text(
        config.read_text(encoding="utf-8").replace(f"referentiel: {ISO}", "referentiel: cap-iso"),
        encoding="utf-8",
    )
    line = line_of(config, "referentiel: cap-iso")
    assert _problems(config) == [
        f"{config}:{line} [collectives[2].referentiel] : référentiel « cap-iso » inconnu : "
        f"indiquez l'identifiant (clé id) d'un référentiel de la configuration ({ISO}, {RSE}), "
        "ou ajoutez son fichier à la liste « referentiels »."
    ]


def test_each_referentiel_is_validated_and_chapters_are_checked_per_collectif(
    campaign: Campaign,
) -> None:
    config, iso_file = campaign.config_path, campaign.referentiel_paths[ISO]
    iso_text = iso_file.read_text(encoding="utf-8")
    iso_file.write_text(iso_text.replace('id: "1.1.2"', 'id: "1.1.1"'), encoding="utf-8")
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            "chapter: '3'\n    date: '2026-05-21'", "chapter: '5'\n    date: '2026-05-21'"
        ),
        encoding="utf-8",
    )
    duplicate, first = line_of(iso_file, 'id: "1.1.1"') + 11, line_of(iso_file, 'id: "1.1.1"')
    chapter = line_of(config, "chapter: '5'")
    found = _problems(config)
    assert f"{config}:{chapter} [collectives[2].calendar[3].chapter] : le chapitre « 5 » " \
        "n'existe pas dans le référentiel (chapitres : 1, 2, 3)." in found  # fmt: skip
    assert any(
        p.startswith(f"{iso_file}:") and f"« 1.1.1 » en double (déjà ligne {first})" in p
        for p in found
    ), found
    assert duplicate  # the same file, never CAP RSE's
    assert not any(str(campaign.referentiel_path) in p for p in found)


def test_two_files_with_one_referentiel_id_are_refused(campaign: Campaign) -> None:
    config = campaign.config_path
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            f"- ../referentiel/{ISO}.yaml",
            f"- ../referentiel/{ISO}.yaml\n- ../referentiel/{RSE}.yaml",
        ),
        encoding="utf-8",
    )
    line = line_of(config, f"- ../referentiel/{RSE}.yaml")
    default = line_of(config, f"referentiel: ../referentiel/{RSE}.yaml")
    assert _problems(config) == [
        f"{config}:{line} [referentiels[1]] : le référentiel « {RSE} » est déjà chargé "
        f"(ligne {default}) ; deux fichiers ne peuvent pas porter le même identifiant "
        "(clé id du référentiel)."
    ]


def test_a_collectif_cannot_change_referentiel_under_its_grids(synced: Campaign) -> None:
    """Switched to CAP RSE, the ISO grids are neither read, nor upgraded, nor imported,
    and ``capsync check`` names the collectif's line."""
    config = synced.config_path
    iso_grid = synced.data_dir / ISO_COLLECTIVE / "grilles" / "ressourcerie-rennes.xlsx"
    returned = config.parent / "ressourcerie-rennes-retour.xlsx"
    shutil.copy(iso_grid, returned)
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    config.write_text("".join(x for x in lines if f"referentiel: {ISO}" not in x), encoding="utf-8")
    switched = load_campaign(config)
    assert switched.referentiel_for(ISO_COLLECTIVE).id == RSE
    line = line_of(config, f"id: {ISO_COLLECTIVE}")
    problems = [plain(str(p)) for p in referentiel_switches(switched)]
    assert problems[0] == (
        f"{config}:{line} [collectives[2].id] : les réponses de la structure "
        f"« emploi-services-brest » ont été lues dans une grille du référentiel « {ISO} », et "
        f"le collectif suit maintenant « {RSE} » : une structure garde son référentiel pendant "
        "la campagne (ses réponses ne valent que pour ses critères) ; remettez "
        f"« {ISO} » pour ce collectif."
    )
    backend = LocalBackend(switched.data_dir)
    summary = generate(switched, backend, collective=ISO_COLLECTIVE, upgrade=True, workers=1,
                       now=NOW)  # fmt: skip
    assert {r.status for r in summary.results} == {GridOutcome.FAILED}
    assert "faite à partir du référentiel" in plain(summary.results[0].message)
    with pytest.raises(ImportRefused) as refused:
        import_grid(returned, switched, backend, now=NOW)
    assert plain(str(refused.value)) == (
        f"ressourcerie-rennes-retour.xlsx : cette grille a été faite à partir du référentiel "
        f"« {ISO} », or le collectif « {ISO_COLLECTIVE} » suit le référentiel « {RSE} » : elle "
        "n'est pas importée (ses critères ne sont pas ceux de la grille en place)."
    )
    fill(backend, ISO_COLLECTIVE, "ressourcerie-rennes", 2)  # a change, read under CAP RSE
    with Store.open(switched.data_dir) as store:
        before = store.current_answers(ISO_COLLECTIVE)
        report = pull(switched, backend, store, collective=ISO_COLLECTIVE, now=NOW, workers=1)
        after = store.current_answers(ISO_COLLECTIVE)
    assert before.equals(after)  # nothing of it read as CAP RSE's « 1.1.1 »
    kinds = {(a.structure, a.kind) for a in report.anomalies}
    assert ("ressourcerie-rennes", AnomalyKind.OTHER_STRUCTURE) in kinds


def test_a_service_asked_for_a_structure_comes_from_its_own_referentiel(
    campaign: Campaign,
) -> None:
    decisions = campaign.config_path.parent / "decisions.yaml"
    text = decisions.read_text(encoding="utf-8")
    asked = (
        "services:\n"
        "  - structure: ressourcerie-rennes\n"
        "    service: formation-gouvernance\n"
        "    status: demande\n"
        "  - structure: ressourcerie-rennes\n"
        "    service: kit-processus\n"
        "    status: demande\n"
    )
    decisions.write_text(text.replace("services:\n", asked, 1), encoding="utf-8")
    line = line_of(decisions, "service: formation-gouvernance")
    assert _problems(campaign.config_path) == [
        f"{decisions}:{line} [services[0].service] : ressource « formation-gouvernance » "
        f"absente de l'offre_de_services du référentiel « {ISO} », que suit la structure "
        "« ressourcerie-rennes »."
    ]


def test_capsync_check_lists_each_referentiel(campaign: Campaign) -> None:
    from click.testing import CliRunner

    from capsync.cli import main

    result = CliRunner().invoke(main, ["--config", str(campaign.config_path), "check"])
    assert result.exit_code == 0, result.output
    assert plain(result.stdout) == (
        "Configuration valide : capsync.yaml — 3 collectifs, 17 structures ; référentiels "
        f"« {RSE} » v2025.1, 5 chapitres, 54 critères ; « {ISO} » v2025.1, 3 chapitres, "
        f"6 critères ; dossier de données {campaign.data_dir}.\n"
    )


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler missing")
def test_a_restitution_and_a_grid_name_their_own_demarche(synced: Campaign) -> None:
    backend = LocalBackend(synced.data_dir)
    with Store.open(synced.data_dir) as store:
        state = SyncState(state_path(synced.data_dir))
        for structure in ("ressourcerie-rennes", "jardins-du-lauragais"):
            request_restitutions(synced, backend, store, state, now=NOW, structure=structure)
    texts = {}
    for collective, structure in ((ISO_COLLECTIVE, "ressourcerie-rennes"),
                                  ("occitanie", "jardins-du-lauragais")):  # fmt: skip
        folder = synced.data_dir / collective / "structures" / structure
        pdf = next(folder.glob("restitution-*.pdf"))
        done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True)
        texts[collective] = plain(done.stdout)
    assert texts[ISO_COLLECTIVE].startswith("Restitution CAP ISO 9001")
    assert "Leadership et politique qualité" in texts[ISO_COLLECTIVE]
    assert "CAP RSE" not in texts[ISO_COLLECTIVE]
    assert texts["occitanie"].startswith("Restitution CAP RSE")
    grid = openpyxl.load_workbook(
        synced.data_dir / ISO_COLLECTIVE / "grilles" / "ressourcerie-rennes.xlsx"
    )
    assert plain(grid.properties.title or "").startswith("CAP ISO 9001 — grille")
    own = synced.data_dir / ISO_COLLECTIVE / "structures" / "ressourcerie-rennes"
    for path in (synced.data_dir / ISO_COLLECTIVE / "calendrier.ics", own / "calendrier.ics"):
        ics = path.read_text(encoding="utf-8")
        assert "SUMMARY:CAP ISO 9001 Bretagne — " in ics
        shown = [line for line in ics.splitlines() if not line.startswith("PRODID")]
        assert not any("CAP RSE" in line for line in shown)


def test_the_invitations_name_each_collectif_s_own_demarche(campaign: Campaign) -> None:
    backend = LocalBackend(campaign.data_dir)
    generate(campaign, backend, workers=1, now=NOW)
    with (
        Store.open(campaign.data_dir) as store,
        MailLog(campaign.data_dir / STORE_FILE) as mail_log,
    ):
        messages = compose_all(campaign, backend, store, mail_log, today=NOW.date())
    subjects = {(m.structure, plain(m.subject)) for m in messages}
    assert (
        "ressourcerie-rennes",
        "CAP ISO 9001 — votre grille d'auto-évaluation (Ressourcerie de Rennes)",
    ) in subjects
    assert (
        "jardins-du-lauragais",
        "CAP RSE — votre grille d'auto-évaluation (Les Jardins du Lauragais)",
    ) in subjects
    iso = [m for m in messages if m.collective == ISO_COLLECTIVE]
    assert iso and not any("CAP RSE" in m.subject + m.body for m in iso)


def test_a_missing_referentiel_file_is_named_once_with_its_line(campaign: Campaign) -> None:
    config = campaign.config_path
    campaign.referentiel_paths[ISO].unlink()
    line = line_of(config, f"- ../referentiel/{ISO}.yaml")
    found = _problems(config)
    assert len(found) == 1, found  # not also « référentiel inconnu » for its collectif
    assert found[0].startswith(
        f"{config}:{line} [referentiels[0]] : fichier référentiel introuvable : "
    )


def test_without_short_titles_the_network_sheets_are_numbered(campaign: Campaign) -> None:
    with Store.open(campaign.data_dir) as store:
        parts = network_inputs(campaign, store, NOW.date())
    untitled = [
        replace(p, referentiel=p.referentiel.model_copy(update={"short_title": None}))
        for p in parts
    ]
    names = [sheet.name for sheet in network_workbook(untitled).sheets]
    assert "Participation · réf. 1" in names and "Participation · réf. 2" in names
    alone = network_workbook(untitled[:1])  # one référentiel: the sheets as they always were
    assert "Participation" in [sheet.name for sheet in alone.sheets]


def test_a_misspelt_referentiel_id_gets_a_suggestion(campaign: Campaign) -> None:
    config = campaign.config_path
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(f"referentiel: {ISO}", "referentiel: cap-iso-9001-exempel"), "utf-8"
    )
    (problem,) = _problems(config)
    assert problem.endswith(f"Vouliez-vous dire « {ISO} » ?")
