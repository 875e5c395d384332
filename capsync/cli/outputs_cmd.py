"""``capsync restitution``: documents of events produced on request."""

from __future__ import annotations

import datetime as dt

import click

from capsync.backends.factory import open_backend
from capsync.cli.common import CliState, pass_state, say
from capsync.data_folder import require_data_folder
from capsync.errors import FileLocked
from capsync.jobs.sync import state_path
from capsync.locking import campaign_lock
from capsync.store.database import Store
from capsync.store.sync_state import SyncState


@click.command()
@click.option("--structure", help="The structure whose restitution to produce.")
@click.option("--collective", help="Every structure of this collectif.")
@pass_state
def restitution(state: CliState, structure: str | None, collective: str | None) -> None:
    """Produce a dated restitution (xlsx + PDF) now, kept beside the earlier ones.

    It is computed from the answers already read: run ``capsync pull`` first for
    the latest grids.

    \b
    Example:
        capsync restitution --structure ailes-revel
        capsync restitution --collective occitanie
    """
    from capsync.jobs.restitution_request import request_restitutions, targets

    campaign = state.campaign()
    targets(campaign, collective, structure)  # a wrong option is said first
    require_data_folder(campaign.data_dir)  # before the lock, which would create it
    with (
        campaign_lock(campaign.data_dir),
        Store.open(campaign.data_dir) as store,
        SyncState(state_path(campaign.data_dir)) as sync_state,
    ):
        produced, locked = request_restitutions(
            campaign,
            open_backend(campaign),
            store,
            sync_state,
            now=dt.datetime.now(),
            collective=collective,
            structure=structure,
        )
    for document in produced:
        if not state.quiet:
            say("Restitution produite : ", verbatim=document.files[0])
            say("Son PDF : ", verbatim=document.files[1])
    for line in locked:
        say(line)
    if locked:
        raise SystemExit(1)


@click.command()
@click.option("--collective", required=True, help="The collectif whose regroupement to prepare.")
@click.option("--chapitre", "chapter", required=True, help="The chapter of the regroupement.")
@click.option("--anonyme", "anonymous", is_flag=True, help="Name no structure at all.")
@pass_state
def regroupement(state: CliState, collective: str, chapter: str, anonymous: bool) -> None:
    """Produce a regroupement kit (landscape PDF + xlsx) for the délégué·e·s, kept beside the
    earlier ones; the sync makes one by itself ``kit_days_before`` days before each regroupement.

    It is computed from the answers already read: run ``capsync pull`` first for
    the latest grids.

    \b
    Example:
        capsync regroupement --collective occitanie --chapitre 2
        capsync regroupement --collective occitanie --chapitre 2 --anonyme
    """
    from capsync.jobs.regroupement_kits import request_kit

    campaign = state.campaign()
    require_data_folder(campaign.data_dir)
    with campaign_lock(campaign.data_dir), Store.open(campaign.data_dir) as store:
        try:
            made = request_kit(
                campaign,
                open_backend(campaign),
                store,
                collective=collective,
                chapter=chapter,
                now=dt.datetime.now(),
                anonymous=anonymous,
            )
        except FileLocked as exc:
            say(str(exc))
            raise SystemExit(1) from exc
    if not state.quiet:
        say("Kit du regroupement produit : ", verbatim=made.files[0])
        # only the anonymous kit is for the room: the named one says to project that one
        say("Son PDF, à projeter : " if anonymous else "Son PDF : ", verbatim=made.files[1])


commands = [restitution, regroupement]
