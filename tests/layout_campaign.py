"""A small hand-worked collectif for the dashboard, restitution and calendar tests.

Four structures, two chapters, five criteria. The numbers the tests assert are
worked out here by hand:

- alpha: 1.1.1 → 3 (tiers / pair: 1), 1.1.2 → 1 (respondents 0 and 3), 1.2.1 → 4,
  2.1.1 → 0, 2.1.2 → 2. Chapter 1 = 8/3 ≈ 2,7, chapter 2 = 1,0, overall ≈ 1,8.
- « @Bêta Services » (beta): 1.1.1 → 1, 1.1.2 → 2; chapter 1 = 1,5 at 2/3, chapter 2 empty.
- gamma: nothing answered.
- delta: every criterion at 3, eligible.
- collectif mean: chapter 1 = (8/3 + 1,5 + 3) / 3 ≈ 2,4, chapter 2 = (1 + 3) / 2 = 2,0.

``TODAY`` (1 April 2025) is 9 days before the chapter 1 regroupement (late_days = 14)
and 80 days before the chapter 2 one.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from capsync.campaign.config import Collective, Phase, Settings, Structure
from capsync.campaign.referentiel import Chapter, Criterion, Objective, Referentiel, Service
from capsync.layout.dashboard import DashboardInputs
from capsync.scoring import scores as scoring

TODAY = dt.date(2025, 4, 1)
WHEN = pd.Timestamp("2025-03-30 09:00")
EVIL_ACTION = '=IMPORTXML("http://exemple.invalid";"//a")'
PHONE = "+33 6 12 34 56 78"
AT_COMMENT = "@SUM(A1:A3)"


def _criterion(cid: str, title: str, *, mandatory: bool = False, services=()) -> Criterion:
    return Criterion(
        id=cid,
        title=title,
        question=f"Question {cid} ?",
        levels={i: f"Niveau {i} de {cid}" for i in range(5)},
        mandatory_for_label=mandatory,
        services=list(services),
    )


def referentiel() -> Referentiel:
    return Referentiel(
        id="cap-rse-test",
        title="Référentiel de test",
        version="1",
        offre_de_services=[
            Service(
                id="guide-projet",
                title="Guide du projet associatif",
                url="https://exemple.org/guide-projet",
            ),
            Service(
                id="boite-parcours",
                title="Boîte à outils du parcours",
                description="Modèles prêts à adapter.",
                url="https://exemple.org/boite-parcours",
            ),
            Service(
                id="formation-cip", title="Formation CIP", url="https://exemple.org/formation-cip"
            ),
        ],
        chapters=[
            Chapter(
                id="1",
                title="Gouvernance",
                objectives=[
                    Objective(
                        id="1.1",
                        title="Projet associatif",
                        services=["guide-projet"],
                        criteria=[
                            _criterion("1.1.1", "Projet formalisé", mandatory=True),
                            _criterion("1.1.2", "Projet partagé"),
                        ],
                    ),
                    Objective(
                        id="1.2",
                        title="Instances",
                        criteria=[_criterion("1.2.1", "Conseil d'administration")],
                    ),
                ],
            ),
            Chapter(
                id="2",
                title="Parcours",
                objectives=[
                    Objective(
                        id="2.1",
                        title="Accompagnement",
                        services=["boite-parcours"],
                        criteria=[
                            _criterion("2.1.1", "Diagnostic", services=["formation-cip"]),
                            _criterion("2.1.2", "Suivi"),
                        ],
                    )
                ],
            ),
        ],
    )


def collective() -> Collective:
    return Collective(
        id="test-collectif",
        name="Collectif de test",
        region="Nouvelle-Aquitaine",
        structures=[
            Structure(id="alpha", name="Alpha Insertion", type="AI"),
            Structure(id="beta", name="@Bêta Services", type="ACI"),
            Structure(id="gamma", name="Gamma Emploi", type="EI"),
            Structure(id="delta", name="Delta Solidaire", type="ETTI"),
        ],
        calendar=[
            Phase(
                kind="regroupement",
                chapter="1",
                date=dt.date(2025, 4, 10),
                modality="presentiel",
                place="Poitiers",
            ),
            Phase(kind="webinaire", date=dt.date(2025, 1, 10), modality="visio"),
            Phase(
                kind="lancement",
                date=dt.date(2025, 2, 4),
                modality="presentiel",
                place="Bordeaux",
                notes="Journée de cadrage",
            ),
            Phase(
                kind="visio_lecture",
                chapter="1",
                date=dt.date(2025, 3, 4),
                time=dt.time(10, 0),
                modality="visio",
            ),
            Phase(
                kind="visio_lecture",
                chapter="2",
                date=dt.date(2025, 5, 6),
                time=dt.time(15, 30),
                modality="visio",
            ),
            Phase(
                kind="regroupement", chapter="2", date=dt.date(2025, 6, 20), modality="presentiel"
            ),
            Phase(
                kind="cloture",
                date=dt.date(2025, 7, 1),
                tentative=True,
                notes="Juillet 2025, date exacte à confirmer",
            ),
        ],
    )


def _answer(structure: str, criterion: str, column: str, level: float) -> dict:
    return {
        "collective": "test-collectif",
        "structure": structure,
        "criterion": criterion,
        "column": column,
        "kind": "level",
        "level": float(level),
        "recorded_at": WHEN,
    }


def answers() -> pd.DataFrame:
    rows = [
        _answer("alpha", "1.1.1", "retenu", 3),
        _answer("alpha", "1.1.1", "niveau_revue", 1),
        _answer("alpha", "1.1.2", "r:anne", 0),
        _answer("alpha", "1.1.2", "r:bruno", 3),
        _answer("alpha", "1.1.2", "retenu", 1),
        _answer("alpha", "1.2.1", "retenu", 4),
        _answer("alpha", "2.1.1", "retenu", 0),
        _answer("alpha", "2.1.2", "retenu", 2),
        _answer("beta", "1.1.1", "retenu", 1),
        _answer("beta", "1.1.2", "retenu", 2),
    ]
    rows += [
        _answer("delta", c, "retenu", 3) for c in ("1.1.1", "1.1.2", "1.2.1", "2.1.1", "2.1.2")
    ]
    return pd.DataFrame(rows)


def actions() -> pd.DataFrame:
    def action(structure, criterion, text, responsable, echeance, statut, commentaire=""):
        return {
            "collective": "test-collectif",
            "structure": structure,
            "criterion": criterion,
            "action": text,
            "responsable": responsable,
            "echeance": pd.Timestamp(echeance) if echeance else pd.NaT,
            "statut": statut,
            "commentaire": commentaire,
            "sheet": "Plan de progrès",
            "row": 4,
            "recorded_at": WHEN,
        }

    return pd.DataFrame(
        [
            action("alpha", "1.1.2", EVIL_ACTION, PHONE, "2025-03-15", "en cours", AT_COMMENT),
            action("alpha", "2.1.1", "Former la CIP", "Direction", "2025-03-01", "fait"),
            action("beta", "1.1.1", "Écrire le projet", "CA", "2025-05-01", "à faire"),
            action("beta", "1.2.1", "Renouveler le CA", "Présidence", None, "à faire"),
            action("delta", "2.1.2", "Bilan annuel", "Direction", "2025-02-01", "Abandonné"),
        ]
    )


def anomalies() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "collective": "test-collectif",
                "structure": "beta",
                "source": "beta.xlsx",
                "sheet": "Chapitre 1",
                "cell": "H5",
                "value": "=1+1",
                "message": "« =1+1 » n'est pas un niveau : choisissez un niveau dans la liste.",
                "kind": "unknown_level",
                "found_at": pd.Timestamp("2025-03-31 08:00"),
            }
        ]
    )


def texts() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "collective": "test-collectif",
                "structure": "alpha",
                "criterion": "1.1.1",
                "column": "justification",
                "text": "-Projet voté en AG",
                "recorded_at": WHEN,
            },
            {
                "collective": "test-collectif",
                "structure": "alpha",
                "criterion": "1.1.1",
                "column": "commentaire_revue",
                "text": "Preuves à compléter",
                "recorded_at": WHEN,
            },
        ]
    )


def history() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"date": dt.date(2025, 3, 1), "structure": "alpha", "chapter": "1", "score": 2.0},
            {"date": dt.date(2025, 3, 1), "structure": "alpha", "chapter": "", "score": 2.0},
            {"date": dt.date(2025, 3, 30), "structure": "alpha", "chapter": "1", "score": 8 / 3},
            {"date": dt.date(2025, 3, 30), "structure": "alpha", "chapter": "2", "score": 1.0},
            {"date": dt.date(2025, 3, 30), "structure": "alpha", "chapter": "", "score": 11 / 6},
            # unchanged the next day: no new line; gamma never scored: no line at all
            {"date": dt.date(2025, 3, 31), "structure": "alpha", "chapter": "1", "score": 8 / 3},
            {"date": dt.date(2025, 3, 31), "structure": "alpha", "chapter": "2", "score": 1.0},
            {"date": dt.date(2025, 3, 31), "structure": "alpha", "chapter": "", "score": 11 / 6},
            {"date": dt.date(2025, 3, 31), "structure": "gamma", "chapter": "1", "score": None},
            {"date": dt.date(2025, 3, 31), "structure": "gamma", "chapter": "", "score": None},
        ]
    )


def scores() -> scoring.Scores:
    return scoring.score_collective(answers(), referentiel(), collective().structures)


def inputs(today: dt.date = TODAY) -> DashboardInputs:
    return DashboardInputs(
        collective=collective(),
        referentiel=referentiel(),
        settings=Settings(late_days=14),
        scores=scores(),
        today=today,
        answers=answers(),
        actions=actions(),
        anomalies=anomalies(),
        texts=texts(),
        last_change={"alpha": dt.datetime(2025, 3, 30, 9, 0)},
        history=history(),
    )
