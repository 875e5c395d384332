"""The French messages of grid anomalies: what is wrong in a cell and what to write instead.

Kept apart from the parsing so that their wording can be read (and improved)
in one place; ``capsync generate`` reuses the identity message when an upgrade
meets another structure's grid.
"""

from __future__ import annotations

from capsync.parse.cells import LevelReader
from capsync.workbook.cell_error import CellError
from capsync.workbook.grid_schema import PLAN_SHEET, PLAN_STATUSES
from capsync.workbook.identity import Identity


def level_message(value: str, reader: LevelReader) -> str:
    return f"Valeur « {value} » non reconnue : {reader.expected}"


def error_message(error: CellError) -> str:
    typed = f" : le tableur a pris « {error.formula} » pour une formule" if error.formula else ""
    return (
        f"La cellule affiche l'erreur « {error.shown} »{typed}. Retapez la valeur sans « = », "
        "« + » ou « - » au début (ou commencez-la par une apostrophe ')."
    )


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


def identity_message(
    identity: Identity, collective: str, structure: str, outcome: str = "elle n'a pas été lue"
) -> str:
    """A file in a structure's place that is another structure's (or not a grid at all)."""
    if identity.kind != "grille":
        what = f"un classeur capsync de type « {identity.kind} », pas une grille"
    else:
        what = (
            f"la grille de la structure « {identity.structure} » (collectif "
            f"« {identity.collective} »)"
        )
    return (
        f"Ce fichier est {what}, et non celle de « {structure} » (collectif "
        f"« {collective} ») : {outcome}, et rien n'a changé dans les réponses de "
        f"« {structure} ». Remettez la grille de « {structure} » à sa place (les "
        "sauvegardes en gardent une copie) ; si ce fichier doit rejoindre sa structure, "
        "importez-le avec « capsync import »."
    )


def other_referentiel_message(made_from: str, expected: str, structure: str) -> str:
    """A grid made from another référentiel than the one its collectif follows.

    Criterion IDs may be the same in two référentiels (« 1.1.1 ») and mean other
    things: such a grid is never read into the structure's answers."""
    return (
        f"Cette grille a été faite à partir du référentiel « {made_from} », alors que le "
        f"collectif de « {structure} » suit le référentiel « {expected} » : elle n'a pas été "
        "lue, et rien n'a changé dans les réponses de la structure. Remettez la grille "
        f"faite pour « {expected} » (« capsync generate » la recrée si elle manque)."
    )


NO_PLAN_MESSAGE = (
    f"Onglet « {PLAN_SHEET} » introuvable : s'il a été renommé ou supprimé, remettez-le "
    "(le plan de progrès n'a pas été lu)."
)
NO_CHAPTER_MESSAGE = (
    "Aucun onglet « Chapitre » n'a été trouvé dans ce fichier : ce n'est sans doute pas "
    "une grille capsync. Remettez la grille d'origine à sa place."
)


def older_copy_message(structure: str) -> str:
    return (
        f"Ce fichier est une copie de la grille de « {structure} » d'avant sa dernière mise à "
        "jour (référentiel, répondant·e·s ou mise en page plus anciens) : seules les réponses "
        "nouvelles qu'il apporte ont été reprises, il n'efface ni ne remplace rien. Pour "
        "continuer, remettez à sa place la grille à jour (les sauvegardes en gardent une "
        "copie) ou lancez « capsync generate --upgrade »."
    )


def other_campaign_message(structure: str, typed: str, current: str) -> str:
    return (
        f"Ce fichier est une grille de « {structure} » pour la campagne « {typed} », qu'elle a "
        f"terminée ; sa campagne en cours est « {current} ». Rien n'en a été repris. Remettez "
        "à sa place la grille de la campagne en cours (les sauvegardes en gardent une copie) ; "
        "une réponse de l'ancienne grille à reprendre se saisit dans la nouvelle."
    )


def missing_rows_message(sheet: str, criteria: list[str]) -> str:
    some = "du critère" if len(criteria) == 1 else "des critères"
    return (
        f"Dans l'onglet « {sheet} », la ligne {some} {', '.join(criteria)} a été supprimée : "
        "les réponses déjà relevées sont conservées, mais rien ne peut plus y être saisi. "
        "Annulez la suppression dans le tableur, ou reprenez la grille dans ses sauvegardes."
    )


def added_row_message(sheet: str) -> str:
    return (
        f"Dans l'onglet « {sheet} », une ligne a été ajoutée au tableau (sans numéro de "
        "critère) : ce qui y est saisi n'est pas relevé. Reportez-le sur la ligne du critère "
        "concerné, puis videz cette ligne."
    )


def header_moved_message(sheet: str) -> str:
    return (
        f"Dans l'onglet « {sheet} », les lignes d'en-tête ont été triées avec les critères : "
        "les réponses ont bien été lues, mais remettez les en-têtes en haut (annulez le tri, "
        "ou triez seulement les lignes des critères) pour que la grille reste lisible."
    )


def vanished_message(collective: str, structure: str) -> str:
    return (
        f"La grille de « {structure} » (collectif « {collective} ») est introuvable : les "
        "réponses déjà relevées sont conservées ; « capsync generate » la recrée avec elles."
    )


def none_found_message(collective: str, known: int) -> str:
    """No grid at all where several were read: a folder changed (the data folder, the root
    folder on Google, a right withdrawn) far likelier than every grid deleted; told apart,
    so that nobody runs « capsync generate » into a folder that is not the campaign's."""
    return (
        f"Aucune grille du collectif « {collective} » n'a été trouvée, alors que {known} y "
        "ont déjà été relevées : le dossier où capsync les cherche a-t-il changé "
        "(configuration, dossier racine sur Google, droits retirés) ? Rien n'est considéré "
        "comme effacé. Vérifiez avec « capsync check » (« capsync check --google » sur "
        "Google) avant tout « capsync generate », qui recréerait chaque grille à cet endroit."
    )
