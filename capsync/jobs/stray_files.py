"""Files in a collectif's grid folder that the pull does not read, made visible.

« grille (1).xlsx », a grid renamed « grille-aci-une-final.xlsx », an .ods
saved beside the .xlsx: the pull reads only ``<structure-id>`` files, so
anything else would be ignored without a word. Each such file becomes an
anomaly the délégué·e·s see in the dashboard (kind « fichier en trop ou en
double »): its name, what it seems to be (a copy of which structure's grid,
or not a grid at all), and what to do. It is attached to the structure whose
grid it copies, so that structure sees it too. The anomaly goes away when
the file does.

A stray file is read once, to say what it is, and not again while its
anomaly is open: it costs nothing on the following pulls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING

from capsync.backends.base import Backend
from capsync.campaign.config import Structure
from capsync.errors import BackendError, BackendUnavailable, FileLocked
from capsync.parse.answers import Anomaly, AnomalyKind
from capsync.workbook.identity import IDENTITY_SHEET, Identity, identity_from_rows
from capsync.workbook.refs import WorkbookRef

if TYPE_CHECKING:
    from capsync.store.database import Store


def stray_message(
    name: str, identity: Identity | None, collective: str, structures: Mapping[str, Structure]
) -> tuple[str, str]:
    """(structure it belongs to or "", French message) for one file the pull does not read."""
    if identity is not None and identity.kind == "grille" and identity.structure:
        sid = identity.structure
        if identity.collective == collective and sid in structures:
            return sid, (
                f"Le fichier « {name} » est une copie de la grille de « {sid} » : la collecte "
                f"ne lit que « {sid}.xlsx » et n'a rien repris de ce fichier. S'il contient des "
                "réponses à garder, importez-le avec « capsync import » (rien de ce qui est "
                "déjà relevé ne sera effacé), puis retirez-le du dossier « grilles »."
            )
        return "", (
            f"Le fichier « {name} » est la grille de « {sid} » (collectif "
            f"« {identity.collective} »), qui n'est pas une structure du collectif "
            f"« {collective} » dans la configuration : il n'est pas lu. Déplacez-le dans le "
            "dossier de son collectif, ou ajoutez la structure à la configuration."
        )
    if identity is not None:
        return "", (
            f"Le fichier « {name} » est un classeur capsync de type « {identity.kind} », pas "
            "une grille : il n'est pas lu. Retirez-le du dossier « grilles »."
        )
    return "", (
        f"Le fichier « {name} » n'est pas une grille capsync (il n'a pas l'onglet caché "
        f"« {IDENTITY_SHEET} ») : il n'est pas lu. Si c'est une grille renommée, redonnez-lui "
        "son nom « <identifiant de la structure>.xlsx » ; sinon retirez-le du dossier "
        "« grilles »."
    )


def report_strays(
    backend: Backend,
    store: Store,
    collective: str,
    structures: Mapping[str, Structure],
    strays: Sequence[WorkbookRef],
    now: dt.datetime,
) -> list[str]:
    """Record an anomaly for each stray file of the collectif; clear those of files gone.

    Return the French lines for the admin's console, one per stray file."""
    messages: list[str] = []
    open_ones = store.anomaly_sources(collective, AnomalyKind.STRAY_FILE)
    present = set()
    for ref in sorted(strays):
        location = backend.location(ref)
        present.add(location)
        name = PurePath(location).name or ref.name
        if location in open_ones:
            messages.append(f"Fichier non lu : {location} (voir les anomalies).")
            continue
        try:
            raw = backend.read(ref)
        except (FileLocked, BackendUnavailable):
            continue  # said next time
        except BackendError as exc:
            sid, message = "", f"Le fichier « {name} » ne peut pas être lu : {exc}"
        else:
            identity = identity_from_rows(raw.get(IDENTITY_SHEET, []))
            sid, message = stray_message(name, identity, collective, structures)
        anomaly = Anomaly(sid, location, "", "", name, message, AnomalyKind.STRAY_FILE)
        store.set_file_anomalies(collective, sid, location, [anomaly], now)
        messages.append(message)
    for gone in sorted(open_ones - present):
        store.clear_file_anomalies(collective, gone, now)
    return messages
