"""``capsync pull`` and ``capsync history``: bring answers into the store, show what changed."""

from __future__ import annotations

import datetime as dt

import click

from capsync.backends.factory import open_backend
from capsync.campaign.validation import Campaign
from capsync.cli.campaign_cmd import campaign_readings
from capsync.cli.common import CliState, known_collective, known_structure, pass_state, say
from capsync.data_folder import require_data_folder, writable
from capsync.jobs.pull import pull
from capsync.layout.column_names import column_label, structure_labels
from capsync.locking import campaign_lock
from capsync.store.database import SCHEMA_VERSION, STORE_FILE, Store
from capsync.store.queries import HistoryEntry
from capsync.store.reader import StoreReader


@click.command(name="pull")
@click.option("--collective", "collective", metavar="ID", help="Only this collectif.")
@pass_state
def pull_command(state: CliState, collective: str | None) -> None:
    """Read the grids changed since the last pull and store their answers and anomalies.

    Only grids whose file changed are read. A grid open in Excel or LibreOffice
    is read as last saved; the changes not yet saved come at a later pull.

    \b
    Example:
        capsync pull
        capsync pull --collective occitanie
    """
    campaign = state.campaign()
    known_collective(campaign, collective)
    require_data_folder(campaign.data_dir)  # before the lock, which would create it
    with campaign_lock(campaign.data_dir), Store.open(campaign.data_dir) as store:
        report = pull(
            campaign,
            open_backend(campaign),
            store,
            collective=collective,
            now=dt.datetime.now(),
        )
    for line in report.messages if state.quiet else report.summary_lines():
        say(line)


def column_labels(campaign: Campaign, structure: str) -> dict[str, str]:
    """Column key → what people read: respondents' names, French headers."""
    found = next(
        (s for c in campaign.config.collectives for s in c.structures if s.id == structure), None
    )
    return structure_labels(found)


def history_line(entry: HistoryEntry, label: str) -> tuple[str, str]:
    """(where and what, typeset when printed; the old → new values, exactly as typed)."""
    old = entry.old if entry.old is not None else "(vide)"
    new = entry.new if entry.new is not None else "(effacé)"
    head = f"{entry.when:%d/%m/%Y %H:%M}  {entry.sheet}!{entry.cell}  {entry.criterion}  "
    return f"{head}{label} : ", f"{old} → {new}"


def _history(campaign: Campaign, structure: str, campaign_id: str | None) -> list[HistoryEntry]:
    """The structure's changes; none before the first pull, when a command that only reads
    creates no data folder (an unmounted share) and no store."""
    require_data_folder(campaign.data_dir)
    path = campaign.data_dir / STORE_FILE
    if not path.is_file():
        from capsync.store.safety import refuse_lost_store

        refuse_lost_store(path)  # a store gone but for its backup is said, not taken for new
        return []
    if not writable(campaign.data_dir):  # a read-only share: read the store, write nothing
        with StoreReader(path, SCHEMA_VERSION) as reader:
            readings = campaign_readings(campaign, reader, structure, campaign_id)
            return reader.history(structure, readings)
    with Store.open(campaign.data_dir) as store:
        readings = campaign_readings(campaign, store, structure, campaign_id)
        return store.history(structure, readings)


@click.command(name="history")
@click.option("--structure", "structure", metavar="ID", required=True, help="The structure's id.")
@click.option(
    "--campaign", "campaign_id", metavar="ID", help="Only this campaign of the structure."
)
@pass_state
def history_command(state: CliState, structure: str, campaign_id: str | None) -> None:
    """Show every change pulled from a structure's grid: when, where, old → new.

    \b
    Example:
        capsync history --structure trait-d-union-17
        capsync history --structure trait-d-union-17 --campaign 2025-2026
    """
    campaign = state.campaign(writes=False)
    known_structure(campaign, structure)
    entries = _history(campaign, structure, campaign_id)
    if not entries:
        say(f"Aucune réponse relevée pour la structure « {structure} ».")
        return
    labels = column_labels(campaign, structure)
    for entry in entries:
        framed, values = history_line(entry, column_label(entry.column, labels))
        say(framed, verbatim=values)


commands = [pull_command, history_command]
