"""Closed sets of values shared by the référentiel and the configuration.

The values are what people type in the YAML files; ``label`` gives the French
wording shown in sheets.
"""

from __future__ import annotations

from enum import StrEnum


class StructureType(StrEnum):
    """The kinds of SIAE a criterion may apply to."""

    AI = "AI"
    ACI = "ACI"
    EI = "EI"
    ETTI = "ETTI"
    EBE = "EBE"
    GES = "GES"

    @property
    def label(self) -> str:
        return {
            "AI": "Association intermédiaire",
            "ACI": "Atelier et chantier d'insertion",
            "EI": "Entreprise d'insertion",
            "ETTI": "Entreprise de travail temporaire d'insertion",
            "EBE": "Entreprise à but d'emploi",
            "GES": "Groupe économique solidaire (ensemblier)",
        }[self.value]


class Iso26000(StrEnum):
    """The seven core subjects of ISO 26000."""

    GOUVERNANCE = "gouvernance"
    DROITS_HUMAINS = "droits_humains"
    CONDITIONS_TRAVAIL = "conditions_travail"
    ENVIRONNEMENT = "environnement"
    LOYAUTE_PRATIQUES = "loyaute_pratiques"
    CONSOMMATEURS = "consommateurs"
    DEVELOPPEMENT_LOCAL = "developpement_local"

    @property
    def label(self) -> str:
        return {
            "gouvernance": "Gouvernance de l'organisation",
            "droits_humains": "Droits de l'Homme",
            "conditions_travail": "Relations et conditions de travail",
            "environnement": "Environnement",
            "loyaute_pratiques": "Loyauté des pratiques",
            "consommateurs": "Questions relatives aux consommateurs",
            "developpement_local": "Communautés et développement local",
        }[self.value]


class RespondentRole(StrEnum):
    """Who fills a grid inside a structure."""

    DIRECTION = "direction"
    PERMANENT = "permanent"
    ADMINISTRATEUR = "administrateur"
    SALARIE_PARCOURS = "salarie_parcours"

    @property
    def label(self) -> str:
        return {
            "direction": "Direction",
            "permanent": "Salarié·e permanent·e",
            "administrateur": "Administrateur·rice",
            "salarie_parcours": "Salarié·e en parcours",
        }[self.value]


class DelegateRole(StrEnum):
    """The regional staff who read a collectif's consolidated sheets."""

    ANIMATEUR = "animateur"
    TIERS = "tiers"

    @property
    def label(self) -> str:
        return {"animateur": "Animateur·rice", "tiers": "Tiers"}[self.value]


class PhaseKind(StrEnum):
    """The dated steps of a collectif's calendrier."""

    WEBINAIRE = "webinaire"
    LANCEMENT = "lancement"
    VISIO_LECTURE = "visio_lecture"
    REGROUPEMENT = "regroupement"
    CLOTURE = "cloture"

    @property
    def label(self) -> str:
        return {
            "webinaire": "Webinaire d'information",
            "lancement": "Journée de lancement",
            "visio_lecture": "Visio lecture / inter-session auto-évaluation",
            "regroupement": "Regroupement collectif",
            "cloture": "Clôture, évaluation finale et labellisation",
        }[self.value]


class Modality(StrEnum):
    VISIO = "visio"
    PRESENTIEL = "presentiel"

    @property
    def label(self) -> str:
        return {"visio": "Visio", "presentiel": "En présentiel"}[self.value]

    @property
    def phrase(self) -> str:
        """How it reads after a date and a comma: « le 11/06/2025, en présentiel »."""
        return {"visio": "en visio", "presentiel": "en présentiel"}[self.value]
