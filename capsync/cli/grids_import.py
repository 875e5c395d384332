"""``capsync import``: put grids that came back by e-mail in place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from capsync.backends.factory import open_backend
from capsync.cli.common import CliState, known_collective, pass_state, say
from capsync.errors import ImportRefused
from capsync.locking import campaign_lock
from capsync.store.database import Store

if TYPE_CHECKING:
    from capsync.jobs.import_grids import Imported


def imported_line(done: Imported) -> str:
    """What the admin reads about one file brought in (French)."""
    if done.unchanged:
        return f"{done.file.name} : déjà en place ({done.location})."
    how = " (fusionnée avec les réponses déjà relevées)" if done.merged else ""
    kept = f" (grille précédente gardée : {done.backup})" if done.backup else ""
    return f"{done.file.name} → {done.location}{how}{kept}."


@click.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--collective", "collective", metavar="ID", help="Refuse grids of any other collectif."
)
@pass_state
def import_(state: CliState, files: tuple[str, ...], collective: str | None) -> None:
    """Bring in returned grids (any name; .xlsx, .ods or .xls), keeping a backup.

    Each file is recognised by its hidden identity sheet and merged: it adds and
    changes answers but never erases or reverts what another file brought
    (conflicts are listed). Exits 1 when any file was refused, after importing
    the others.

    \b
    Example:
        capsync import ~/Téléchargements/grille-remplie.xlsx
        capsync import --collective occitanie retours/*.xlsx
    """
    from capsync.jobs.import_grids import import_grid

    campaign = state.campaign()
    known_collective(campaign, collective)  # else every grid is refused as « not of » a typo
    backend = open_backend(campaign)
    now = dt.datetime.now()
    refused = 0
    with campaign_lock(campaign.data_dir), Store.open(campaign.data_dir) as store:
        for name in files:
            try:
                done = import_grid(
                    Path(name), campaign, backend, store, collective=collective, now=now
                )
            except ImportRefused as exc:
                refused += 1
                say(f"Refusé — {exc}", err=True)
                continue
            say(imported_line(done))
            for anomaly in done.anomalies:
                say(f"  Anomalie — {anomaly.message}")
    if refused:
        n = len(files)
        say(f"{refused} fichier(s) refusé(s) sur {n}.", err=True)
        raise SystemExit(1)


commands = [import_]
