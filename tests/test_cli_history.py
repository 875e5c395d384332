"""``capsync history --structure ID``: what changed when, old → new."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from capsync.cli import main
from capsync.jobs.pull import pull
from capsync.store.database import Store

from .filled_grids import campaign_with_grids, editing, grid_path, put
from .french_output import plain

KARIM = "r:karim-benali"


def test_history_lists_each_change_with_its_cell_and_old_and_new_values(tmp_path: Path) -> None:
    campaign, backend = campaign_with_grids(tmp_path)
    path = grid_path(backend, "aci-une")
    with editing(path) as wb:
        put(wb["Chapitre 1"], "1.1.1", KARIM, "2")
        put(wb["Chapitre 1"], "1.1.1", "retenu", "NSP")
        wb["Plan de progrès"]["A4"] = "1.1.1"
        wb["Plan de progrès"]["D4"] = "Écrire le projet"
        wb["Plan de progrès"]["G4"] = "à faire"
    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=dt.datetime(2026, 3, 1, 9, 30))
        with editing(path) as wb:
            put(wb["Chapitre 1"], "1.1.1", KARIM, "3 - Maîtrisé")
            put(wb["Chapitre 1"], "1.1.1", "retenu", None)
            wb["Plan de progrès"]["G4"] = "Fait"
        pull(campaign, backend, store, now=dt.datetime(2026, 3, 8, 14, 5))

    result = CliRunner().invoke(
        main, ["--config", str(campaign.config_path), "history", "--structure", "aci-une"]
    )

    assert result.exit_code == 0, result.output
    assert plain(result.output).splitlines() == [
        "01/03/2026 09:30  Chapitre 1!F4  1.1.1  Karim Benali (Salarié·e permanent·e) : (vide) → 2",
        "01/03/2026 09:30  Chapitre 1!L4  1.1.1  Niveau retenu : (vide) → NSP",
        "01/03/2026 09:30  Plan de progrès!A4  1.1.1  Critère : (vide) → 1.1.1",
        "01/03/2026 09:30  Plan de progrès!D4  1.1.1  Action : (vide) → Écrire le projet",
        "01/03/2026 09:30  Plan de progrès!G4  1.1.1  Statut : (vide) → à faire",
        "08/03/2026 14:05  Chapitre 1!F4  1.1.1  Karim Benali (Salarié·e permanent·e) : "
        "2 → 3 - Maîtrisé",
        "08/03/2026 14:05  Chapitre 1!L4  1.1.1  Niveau retenu : NSP → (effacé)",
        "08/03/2026 14:05  Plan de progrès!G4  1.1.1  Statut : à faire → fait",
    ]


def test_history_of_a_structure_with_nothing_pulled(tmp_path: Path) -> None:
    campaign, _ = campaign_with_grids(tmp_path)
    result = CliRunner().invoke(
        main, ["--config", str(campaign.config_path), "history", "--structure", "ai-deux"]
    )
    assert (result.exit_code, plain(result.output)) == (
        0,
        "Aucune réponse relevée pour la structure « ai-deux ».\n",
    )
