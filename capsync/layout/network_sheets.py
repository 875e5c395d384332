"""The network workbook for COORACE national, as a spec (pure).

Sheets: « Participation » (per collectif), « Niveaux par région », « Niveaux par type »,
« Points faibles », « Labellisation » (the pipeline, and the labels to renew), « Offre de
services » (suggested, asked for, planned, done). Every sheet is written by capsync and
protected; the tables come from :mod:`capsync.layout.network`. Names of structures are
those of the configuration: this workbook goes to the national contacts only.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from capsync.french import typeset
from capsync.layout.network import (
    FEW,
    OVERALL,
    NetworkInputs,
    Stage,
    group_order,
    levels_by,
    service_demand,
    structure_table,
    weak_points,
)
from capsync.layout.plan_followup import support_sheet
from capsync.layout.service_demand import demand_table
from capsync.layout.tables import (
    FIRST_ROW,
    HEADER_ROW,
    NOTE_ROW,
    TITLE_ROW,
    Column,
    number,
    short_chapter,
    table_sheet,
)
from capsync.workbook.identity import Identity
from capsync.workbook.refs import NETWORK_FOLDER, Kind
from capsync.workbook.spec import CellRange, SheetSpec, Style, Value, WorkbookSpec

LAYOUT_VERSION = 1
TITLE = "CAP RSE — vue réseau"
PARTICIPATION_SHEET = "Participation"
REGION_SHEET = "Niveaux par région"
TYPE_SHEET = "Niveaux par type"
WEAK_SHEET = "Points faibles"
LABEL_SHEET = "Labellisation"
RENEWALS_SHEET = "Renouvellements"
SERVICES_SHEET = "Offre de services"
NETWORK = "Réseau"
WEAK_POINTS_SHOWN = 20
FEW_NOTE = (
    f"Moyenne sur moins de {FEW} structures : à lire avec prudence "
    "(le nombre de structures est alors sur fond rose)."
)


def _spread(sheet: SheetSpec, width: int) -> SheetSpec:
    """The note across the table, so it reads as one paragraph; the title is left unmerged,
    so a title longer than a narrow table runs on to the right instead of being cut."""
    if width > 1:
        sheet.merges.append(CellRange(NOTE_ROW, 0, NOTE_ROW, width - 1))
    return sheet


def _total_row(sheet: SheetSpec, row: int, labels: int) -> None:
    """The network's total row: its label cells bold, its numbers in their columns' format."""
    for col in range(labels):
        sheet.cell_styles[(row, col)] = Style.HEADER


def _participation(inputs: NetworkInputs, table: pd.DataFrame) -> SheetSpec:
    """Per collectif, then the whole network: structures, who answered, completion, score."""
    rows: list[list[Value]] = []
    groups = [(g, f) for g, f in table.groupby("collective", sort=False)] if len(table) else []
    for _, frame in groups:
        first = frame.iloc[0]
        rows.append([first["region"], first["collective_name"], *_counts(frame)])
    if len(table):
        rows.append([NETWORK, f"{len(groups)} collectif{'s' if len(groups) > 1 else ''}",
                     *_counts(table)])  # fmt: skip
    columns = [
        Column("Région", 22),
        Column("Collectif", 36),
        Column("Structures engagées", 12, Style.INTEGER),
        Column("Ayant répondu", 12, Style.INTEGER),
        Column("Complétude moyenne", 12, Style.PERCENT),
        Column("Score global moyen", 12, Style.SCORE),
    ]
    sheet = table_sheet(
        PARTICIPATION_SHEET,
        typeset(f"{TITLE} — participation"),
        typeset(
            f"Mis à jour le {inputs.today:%d/%m/%Y}. Complétude = part des critères "
            "applicables renseignés ; score de 0 à "
            f"{inputs.referentiel.scale.max_value} sur les structures ayant répondu."
        ),
        columns,
        rows,
        empty_message="Aucune structure dans la configuration.",
    )
    if len(table):
        _total_row(sheet, FIRST_ROW + len(rows) - 1, 2)
    sheet.tab_color = "#2E75B6"
    return _spread(sheet, len(columns))


def _counts(frame: pd.DataFrame) -> list[Value]:
    assessed = frame[frame["assessed"]]
    return [
        len(frame),
        len(assessed),
        number(assessed["completion"].mean()) if len(assessed) else None,
        number(assessed["overall"].mean()) if len(assessed) else None,
    ]


def _levels(inputs: NetworkInputs, table: pd.DataFrame, by: str) -> SheetSpec:
    """Chapters (and the overall score) × groups: mean and number of structures."""
    groups = group_order(table, by)
    stats = levels_by(inputs, table, by)
    found = {(str(r.group), str(r.chapter)): r for r in stats.itertuples(index=False)}
    label = "Région" if by == "region" else "Type"
    chapters = [
        (c.id, typeset(f"{short_chapter(c.id)} — {c.title}")) for c in inputs.referentiel.chapters
    ]
    chapters.append((OVERALL, "Score global"))
    headers: list[Value] = ["Chapitre"]
    widths = [40.0]
    for group in groups:
        headers += [f"{group} — moyenne", f"{group} — structures"]
        widths += [12.0, 11.0]
    rows: list[list[Value]] = []
    styles: dict[tuple[int, int], Style] = {}
    notes: dict[tuple[int, int], str] = {}
    for r, (chapter_id, chapter_label) in enumerate(chapters, start=FIRST_ROW):
        row: list[Value] = [chapter_label]
        for g, group in enumerate(groups):
            stat = found.get((group, chapter_id))
            mean, n = (float(stat.mean), int(stat.n)) if stat is not None else (None, 0)
            row += [mean, n]
            styles[(r, 1 + 2 * g)] = Style.SCORE
            styles[(r, 2 + 2 * g)] = Style.WARNING if 0 < n < FEW else Style.INTEGER
            if 0 < n < FEW:
                noun = "structure" if n == 1 else "structures"
                notes[(r, 1 + 2 * g)] = typeset(f"Moyenne sur {n} {noun} : à lire avec prudence.")
        rows.append(row)
    what = "région (collectifs de la région)" if by == "region" else "type de structure"
    title = typeset(f"{TITLE} — niveaux par {what}")
    note = typeset(
        f"Score moyen par chapitre des structures ayant répondu. {FEW_NOTE}"
        + (" Une structure de plusieurs types compte dans chacun." if by == "type" else "")
    )
    body: list[list[Value]] = [[title], [note], headers, *rows]
    if not groups:
        body.append(["Aucune structure n'a encore répondu."])
    for r in range(FIRST_ROW, FIRST_ROW + len(rows)):
        styles[(r, 0)] = Style.TEXT
    sheet = SheetSpec(
        name=REGION_SHEET if by == "region" else TYPE_SHEET,
        rows=body,
        column_widths=widths,
        cell_styles=styles,
        row_styles={TITLE_ROW: Style.TITLE, NOTE_ROW: Style.NOTE, HEADER_ROW: Style.HEADER},
        notes=notes,
        freeze_rows=FIRST_ROW,
        freeze_cols=1,
        protected=True,
        print_header=f"{TITLE} — {label}",
        autofilter=CellRange(HEADER_ROW, 0, HEADER_ROW + len(rows), len(headers) - 1),
    )
    return _spread(sheet, max(len(headers), 4))


def _weak(inputs: NetworkInputs) -> SheetSpec:
    ref = inputs.referentiel
    stats = weak_points(inputs)
    weak = ref.scoring.weak_level
    rows: list[list[Value]] = []
    for r in stats.head(WEAK_POINTS_SHOWN).itertuples(index=False):
        mandatory = "oui" if ref.criteria[str(r.criterion)].mandatory_for_label else ""
        chapter = short_chapter(str(r.chapter))
        shares = [int(r.n_answered), number(r.mean), number(r.share_weak)]
        rows.append([str(r.criterion), chapter, typeset(str(r.title)), *shares, mandatory])
    columns = [
        Column("Critère", 9),
        Column("Chapitre", 11),
        Column("Intitulé", 50),
        Column("Structures ayant répondu", 12, Style.INTEGER),
        Column("Niveau moyen", 10, Style.SCORE),
        Column(f"Part sous le niveau {weak}", 12, Style.PERCENT),
        Column("Obligatoire pour le label", 11),
    ]
    sheet = table_sheet(
        WEAK_SHEET,
        typeset(f"{TITLE} — points faibles communs"),
        typeset(
            f"Les {WEAK_POINTS_SHOWN} critères le plus souvent retenus sous le niveau {weak} "
            "dans le réseau, puis par niveau moyen : des thèmes pour l'offre de services."
        ),
        columns,
        rows,
        empty_message="Aucun critère renseigné pour l'instant.",
    )
    return _spread(sheet, len(columns))


def _pipeline(inputs: NetworkInputs, table: pd.DataFrame) -> SheetSpec:
    """Per region: engaged structures and how many are at each stage."""
    stages = list(Stage)
    rows: list[list[Value]] = []
    for region in group_order(table, "region"):
        frame = table[table["region"] == region]
        rows.append([region, len(frame), *(int((frame["stage"] == s).sum()) for s in stages)])
    if len(table):
        rows.append([NETWORK, len(table), *(int((table["stage"] == s).sum()) for s in stages)])
    columns = [Column("Région", 24), Column("Engagées", 10, Style.INTEGER)]
    columns += [Column(_plural(s), 12, Style.INTEGER) for s in stages]
    sheet = table_sheet(
        LABEL_SHEET,
        typeset(f"{TITLE} — labellisation"),
        typeset(
            "Chaque structure engagée compte dans une seule étape : sa décision de label "
            "(fichier de décisions) d'abord, sinon ce que disent ses réponses ; « Non "
            "éligibles » une fois la clôture de son collectif passée, « En cours » avant. "
            f"Les labels à renouveler, structure par structure : onglet « {RENEWALS_SHEET} »."
        ),
        columns,
        rows,
        empty_message="Aucune structure dans la configuration.",
    )
    if len(table):
        _total_row(sheet, FIRST_ROW + len(rows) - 1, 1)
    return _spread(sheet, len(columns))


def _renewals(table: pd.DataFrame) -> SheetSpec:
    """The labels due for renewal, one structure a row: a list that grows with the network,
    on a sheet of its own so that it has its own filter (Excel allows one a sheet)."""
    renew = table[table["stage"] == Stage.RENEW] if len(table) else table
    columns = [
        Column("Structure", 30),
        Column("Collectif", 30),
        Column("Renouvellement dû le", 14, Style.DATE),
        Column("Fin de validité", 14, Style.DATE),
    ]
    rows: list[list[Value]] = [
        [str(r.name), str(r.collective_name), r.renewal, r.valid_until]
        for r in renew.itertuples(index=False)
    ]
    sheet = table_sheet(
        RENEWALS_SHEET,
        typeset(f"{TITLE} — labels à renouveler"),
        typeset(
            "Les structures dont le label arrive au renouvellement (par défaut 180 jours avant "
            "sa fin de validité) ou a expiré, d'après le fichier de décisions."
        ),
        columns,
        rows,
        empty_message="Aucun label à renouveler.",
    )
    return _spread(sheet, len(columns))


def _plural(value: Stage) -> str:
    return {
        Stage.NOT_STARTED: "Pas encore de réponse",
        Stage.IN_PROGRESS: "En cours",
        Stage.NOT_ELIGIBLE: "Non éligibles",
        Stage.ELIGIBLE: "Éligibles",
        Stage.LABELLED: "Labellisées",
        Stage.RENEW: "À renouveler",
    }[value]


def _services(inputs: NetworkInputs) -> SheetSpec:
    rows, columns = demand_table(service_demand(inputs))
    sheet = table_sheet(
        SERVICES_SHEET,
        typeset(f"{TITLE} — demande pour l'offre de services"),
        typeset(
            f"Suggérée : un critère lié est retenu sous le niveau "
            f"{inputs.referentiel.scoring.weak_level} et la ressource sert l'un des types de "
            "la structure. Demandée, programmée, réalisée : l'étape la plus avancée notée "
            "par les délégué·e·s dans le fichier de décisions."
        ),
        columns,
        rows,
        empty_message="Le référentiel ne décrit aucune offre de services.",
    )
    return _spread(sheet, len(columns))


def _support(inputs: NetworkInputs) -> SheetSpec:
    sheet = support_sheet(TITLE, inputs.structures(), inputs.decisions)
    return _spread(sheet, len(sheet.column_widths))


def network_spec(inputs: NetworkInputs) -> WorkbookSpec:
    """The whole read-only network workbook."""
    table = structure_table(inputs)
    sheets = [
        _participation(inputs, table),
        _levels(inputs, table, "region"),
        _levels(inputs, table, "type"),
        _weak(inputs),
        _pipeline(inputs, table),
        _renewals(table),
        _services(inputs),
        _support(inputs),  # issue 12: the restitution days' accompagnement decisions
    ]
    identity = Identity(
        kind=Kind.NETWORK.value,
        collective=NETWORK_FOLDER,
        referentiel_id=inputs.referentiel.id,
        referentiel_version=inputs.referentiel.version,
        layout_version=LAYOUT_VERSION,
    )
    return WorkbookSpec(title=TITLE, sheets=sheets, metadata=identity.as_metadata())


def network_workbook(parts: Sequence[NetworkInputs]) -> WorkbookSpec:
    """The network workbook: one set of sheets per référentiel in use, never averaged together.

    With one référentiel (the usual case) it is :func:`network_spec`. With several (CAP RSE
    and CAP ISO 9001 side by side), each référentiel's sheets follow one another, their
    names ending with its short title (« Niveaux par région · ISO 9001 ») and their title
    naming it, so that a reader never compares levels of two référentiels as one scale.
    """
    specs = [network_spec(part) for part in parts]
    if len(specs) == 1:
        return specs[0]
    tags = [p.referentiel.short_title or "" for p in parts]
    if len(set(tags)) < len(tags) or "" in tags:  # no short title, or two alike: numbered
        tags = [f"réf. {i}" for i in range(1, len(parts) + 1)]
    sheets: list[SheetSpec] = []
    for part, spec, tag in zip(parts, specs, tags, strict=True):
        for sheet in spec.sheets:
            sheet.name = f"{sheet.name} · {tag}"[:31]  # a sheet name has 31 characters at most
            title = sheet.rows[TITLE_ROW][0] if len(sheet.rows) > TITLE_ROW else None
            if isinstance(title, str):
                sheet.rows[TITLE_ROW][0] = _retitled(title, part.referentiel.title)
            sheet.print_header = _retitled(sheet.print_header, part.referentiel.title)
            sheets.append(sheet)
    first = specs[0]
    return WorkbookSpec(title=first.title, sheets=sheets, metadata=first.metadata)


def _retitled(text: str, referentiel_title: str) -> str:
    """« CAP RSE — vue réseau — … » as « Vue réseau — <the référentiel's title> — … »."""
    if not text:
        return text
    own = typeset(f"Vue réseau — {referentiel_title}")
    for prefix in (typeset(TITLE), TITLE):
        if text.startswith(prefix):
            return own + text[len(prefix) :]
    return typeset(f"{own} — {text}")
