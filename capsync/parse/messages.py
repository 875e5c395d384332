"""The French messages of grid anomalies: what is wrong in a cell and what to write instead.

Kept apart from the parsing so that their wording can be read (and improved)
in one place; ``capsync generate`` reuses the identity message when an upgrade
meets another structure's grid.
"""

from __future__ import annotations

from capsync.parse.cells import LevelReader
from capsync.workbook.grid_schema import PLAN_SHEET, PLAN_STATUSES
from capsync.workbook.identity import Identity


def level_message(value: str, reader: LevelReader) -> str:
    return f"Valeur « {value} » non reconnue : {reader.expected}"


def date_message(value: str) -> str:
    return f"Date « {value} » invalide : écrivez une date au format JJ/MM/AAAA."


def status_message(value: str) -> str:
    choices = ", ".join(f"« {s} »" for s in PLAN_STATUSES[:-1])
    return f"Statut « {value} » non reconnu : choisissez {choices} ou « {PLAN_STATUSES[-1]} »."


def unknown_criterion_message(value: str) -> str:
    return (
        f"Critère « {value} » inconnu : indiquez l'identifiant d'un critère du référentiel "
        "(colonne « ID » des onglets « Chapitre »)."
    )


def duplicate_message(criterion: str, first: str, again: str) -> str:
    return (
        f"Le critère « {criterion} » apparaît deux fois ({first} et {again}) : seule la "
        f"première ligne est lue ; supprimez la ligne en double ou fusionnez les réponses."
    )


def identity_message(identity: Identity, collective: str, structure: str) -> str:
    return (
        f"Cette grille est celle de la structure « {identity.structure} » (collectif "
        f"« {identity.collective} ») et non celle de « {structure} » (collectif "
        f"« {collective} ») : elle n'a pas été lue. Remettez le bon fichier à sa place "
        "ou importez-le avec « capsync import »."
    )


NO_PLAN_MESSAGE = (
    f"Onglet « {PLAN_SHEET} » introuvable : s'il a été renommé ou supprimé, remettez-le "
    "(le plan de progrès n'a pas été lu)."
)
NO_CHAPTER_MESSAGE = (
    "Aucun onglet « Chapitre » n'a été trouvé dans ce fichier : ce n'est sans doute pas "
    "une grille capsync. Remettez la grille d'origine à sa place."
)
