"""``capsync reseau``: the network workbook for COORACE national."""

from __future__ import annotations

import datetime as dt

import click

from capsync.backends.factory import open_backend
from capsync.cli.common import CliState, pass_state, say
from capsync.data_folder import require_data_folder
from capsync.jobs.sync import state_path
from capsync.locking import campaign_lock
from capsync.store.database import Store
from capsync.store.sync_state import SyncState
from capsync.workbook.refs import NETWORK_REF


@click.command(name="reseau")
@click.option("--force", is_flag=True, help="Rewrite the workbook even if its content is the same.")
@pass_state
def reseau(state: CliState, force: bool) -> None:
    """Write the network workbook (levels by region and type, weak points, label pipeline,
    participation, demand for services) for the configuration's national contacts.

    It is computed from the answers already read: run ``capsync pull`` (or ``sync``)
    first for the latest grids. With ``national:`` contacts configured, each sync
    rewrites it too.

    \b
    Example:
        capsync reseau
    """
    from capsync.jobs.network import write_network

    campaign = state.campaign()
    require_data_folder(campaign.data_dir)
    with (
        campaign_lock(campaign.data_dir),
        Store.open(campaign.data_dir) as store,
        SyncState(state_path(campaign.data_dir)) as sync_state,
    ):
        backend = open_backend(campaign)
        outcome = write_network(
            campaign, backend, store, sync_state, now=dt.datetime.now(), force=force
        )
    if outcome.locked:
        say(outcome.locked)
        raise SystemExit(1)
    if not state.quiet:
        verb = "écrite" if outcome.written else "inchangée"
        # asked now, the workbook written or found: on Google its link, not a guess
        say(f"Vue réseau {verb} : ", verbatim=backend.location(NETWORK_REF))
        if not campaign.config.national:
            say(
                "Aucun contact national dans la configuration (clé « national ») : "
                "la vue réseau n'est partagée avec personne."
            )


commands = [reseau]
