"""``capsync nouvelle-campagne``: structures start the campaign the configuration names.

Also :func:`campaign_readings`, the reading IDs ``capsync history --campaign`` keeps.
"""

from __future__ import annotations

import datetime as dt

import click

from capsync.backends.factory import open_backend
from capsync.campaign.config import campaign_of
from capsync.campaign.validation import Campaign
from capsync.cli.common import CliState, fail, known_collective, known_structure, pass_state, say
from capsync.data_folder import require_data_folder
from capsync.locking import campaign_lock
from capsync.store.campaigns import campaign_records, reading_range
from capsync.store.database import Store
from capsync.store.queries import StoreQueries


def campaign_readings(
    campaign: Campaign, store: StoreQueries, structure: str, campaign_id: str | None
) -> range:
    """The reading IDs of ``campaign_id`` for ``structure`` (all of them for None); exit 1
    with the structure's campaigns when it has no such campaign."""
    if campaign_id is None:
        return range(2**62)
    found = [(c, s) for c in campaign.config.collectives for s in c.structures if s.id == structure]
    coll, struct = found[0]
    records = [r for r in campaign_records(store, coll.id) if r.structure == structure]
    known = [r.campaign for r in records] or [campaign_of(struct)]
    if campaign_id not in known:
        fail(
            f"La structure « {structure} » n'a pas de campagne « {campaign_id} » ; "
            f"ses campagnes : {', '.join(known)}."
        )
    if not records:  # never restarted: every reading is of its one campaign
        return range(2**62)
    return reading_range(store, coll.id, structure, campaign_id)


@click.command(name="nouvelle-campagne")
@click.option("--collective", "collective", metavar="ID", help="Only this collectif.")
@click.option("--structure", "structure", metavar="ID", help="Only this structure.")
@pass_state
def new_campaign_command(state: CliState, collective: str | None, structure: str | None) -> None:
    """Start the campaign the configuration names for structures still in an earlier one.

    Set the new campaign's ID in the configuration first (``campaign:`` at the top,
    of a collectif or of a structure): this command never edits it. Each such
    structure's grid is pulled, archived read-only under its old campaign's name,
    and replaced by a new grid pre-filled with the niveaux retenus and
    justifications, each marked « à confirmer »: nothing carried is counted until
    the group clears that mark. Both campaigns stay in the store.

    \b
    Example:
        capsync nouvelle-campagne --structure ailes-revel
        capsync nouvelle-campagne --collective occitanie
    """
    from capsync.jobs.generate import select
    from capsync.jobs.new_campaign import Started, start_new_campaigns

    campaign = state.campaign()
    known_collective(campaign, collective)
    known_structure(campaign, structure)
    select(campaign, collective, structure)  # a structure of another collectif: said first
    require_data_folder(campaign.data_dir)  # before generate there is no grid to archive
    with campaign_lock(campaign.data_dir), Store.open(campaign.data_dir) as store:
        summary = start_new_campaigns(
            campaign,
            open_backend(campaign),
            store,
            collective=collective,
            structure=structure,
            now=dt.datetime.now(),
        )
    problems = summary.of(Started.LOCKED) + summary.of(Started.FAILED)
    if not state.quiet or problems or summary.of(Started.NO_GRID):  # generate is to be run
        for result, text, path in summary.printed():
            say(text, verbatim=path, err=result in problems)
    if summary.of(Started.FAILED):
        raise SystemExit(1)


commands = [new_campaign_command]
