"""A structure keeps its référentiel: ``capsync check`` refuses a collectif that changed it.

Answers are kept by structure and criterion ID, and two référentiels may use the same
IDs (« 1.1.1 ») for different criteria. A structure belongs to one collectif and a
collectif names one référentiel, so answers never mix — unless the configuration is
changed under grids already read. The store remembers the identity of every file it
read, référentiel included; this check compares it with the configuration.
"""

from __future__ import annotations

from capsync.campaign.validation import Campaign
from capsync.campaign.yaml_source import PathKey, key_text, load_yaml
from capsync.errors import Problem
from capsync.store.database import STORE_FILE, Store


def referentiel_switches(campaign: Campaign) -> list[Problem]:
    """One problem per structure whose grids were read under another référentiel than
    the one its collectif now names (none before the first pull)."""
    if not (campaign.data_dir / STORE_FILE).is_file():
        return []
    source = load_yaml(campaign.config_path)
    problems: list[Problem] = []
    with Store.open(campaign.data_dir) as store:
        for ci, coll in enumerate(campaign.config.collectives):
            expected = campaign.referentiel_for(coll.id).id
            earlier = {
                structure: identity.referentiel_id
                for (structure, _), identity in sorted(store.file_identities(coll.id).items())
                if identity.referentiel_id not in ("", expected)
            }
            loc: PathKey = ("collectives", ci, "referentiel" if coll.referentiel else "id")
            for structure, old in earlier.items():
                message = (
                    f"les réponses de la structure « {structure} » ont été lues dans une grille "
                    f"du référentiel « {old} », et le collectif suit maintenant « {expected} » : "
                    "une structure garde son référentiel pendant la campagne (ses réponses ne "
                    f"valent que pour ses critères) ; remettez « {old} » pour ce collectif."
                )
                problems.append(
                    Problem(campaign.config_path, source.line_of(loc), key_text(loc), message)
                )
    return problems
