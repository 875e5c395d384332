"""``capsync referentiel …``: commands about the référentiel file itself."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from capsync.campaign.validation import load_referentiel, referentiel_path
from capsync.cli.common import CliState, fail, pass_state, say
from capsync.errors import os_reason
from capsync.render.referentiel_export import (
    ExportFormat,
    default_filename,
    export_bytes,
    export_referentiel,
)


@click.group()
def referentiel() -> None:
    """Work with the référentiel file (export it for reading in a spreadsheet).

    \b
    Example:
        capsync referentiel export --format xlsx
    """


@referentiel.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ExportFormat]),
    default=ExportFormat.XLSX.value,
    show_default=True,
    help="csv (UTF-8 with BOM, ';' separated, for French Excel), json or xlsx.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="File to write ('-' for stdout, csv/json only). Default: <id>-<version>.<format>.",
)
@click.option(
    "--referentiel",
    "ref_file",
    type=click.Path(dir_okay=False),
    help="Référentiel YAML to export. Default: the configuration's default one (referentiel).",
)
@pass_state
def export(state: CliState, fmt: str, output: str | None, ref_file: str | None) -> None:
    """Export the référentiel flat: one row per criterion, French headers.

    Columns: chapter, objective, criterion, title, question, structure types,
    weight, mandatory for the label, ISO 26000, services, then one column per
    level (« Niveau 0 - Non engagé » …). Only the référentiel is read, so a
    mistake elsewhere in the configuration does not block the export.

    \b
    Example:
        capsync referentiel export --format csv --output referentiel.csv
        capsync referentiel export --format xlsx
        capsync referentiel export --format json --output - | jq length
    """
    source = Path(ref_file) if ref_file else referentiel_path(Path(state.config_path))
    ref = load_referentiel(source)
    kind = ExportFormat(fmt)
    if output == "-":
        if kind is ExportFormat.XLSX:
            fail("« --output - » (la sortie standard) ne vaut que pour csv et json ; "
                 "pour xlsx, donnez un nom de fichier.")  # fmt: skip
        sys.stdout.buffer.write(export_bytes(ref, kind))
        sys.stdout.flush()
        return
    path = Path(output) if output else Path(default_filename(ref, kind))
    try:
        export_referentiel(ref, kind, path)
    except OSError as exc:
        why = os_reason(exc)
        fail(f"Écriture impossible de {path} ({why}) : vérifiez ce chemin et ses droits.")
    if not state.quiet:
        n = len(ref.criteria)
        say(f"Référentiel exporté ({n} critère{'s' if n > 1 else ''}, {kind.value}) : ",
            verbatim=str(path))  # fmt: skip


commands = [referentiel]
