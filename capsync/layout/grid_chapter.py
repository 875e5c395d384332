"""One chapter sheet of a grid, and the « Niveaux par critère » sheet beside it (pure).

A chapter sheet is where 7–8 respondents type a level each, where the group
agrees its « niveau retenu » with the sheet's own median, spread and « à
discuter » in front of it (:mod:`capsync.layout.consensus`), and where the tiers
and the pair, named in their headers, give theirs in columns of their own
colour. It must read on a 1366 × 768 screen: the level descriptions, 5 lines
of text per criterion, would make each row 15 lines high, so they are a note on
the question and a sheet of their own; the ID and the criterion stay frozen.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from capsync.campaign.config import Collective, Structure
from capsync.campaign.referentiel import Chapter, Criterion, Referentiel
from capsync.campaign.vocabulary import PhaseKind, RespondentRole
from capsync.french import typeset
from capsync.layout import consensus
from capsync.workbook.grid_schema import (
    CARRIED_COLUMN,
    COL_CARRIED,
    COL_COUNT,
    COL_CRITERION,
    COL_DISCUSS,
    COL_JUSTIFICATION,
    COL_MEDIAN,
    COL_PAIR_COMMENT,
    COL_PAIR_LEVEL,
    COL_QUESTION,
    COL_RETAINED,
    COL_SPREAD,
    COL_TIERS_COMMENT,
    COL_TIERS_LEVEL,
    COMPUTED_COLUMNS,
    FIRST_DATA_ROW,
    HEADER_ROW,
    KEY_ROW,
    LEADING_COLUMNS,
    LEVELS_SHEET,
    RESPONDENT_PREFIX,
    RESPONDENT_WIDTH,
    REVIEW_COMMENT_KEYS,
    REVIEW_LEVEL_KEYS,
    TITLE_ROW,
    TO_DISCUSS,
    TRAILING_COLUMNS,
    Carried,
    RespondentColumn,
    chapter_sheet_name,
)
from capsync.workbook.spec import (
    CellRange,
    ConditionalFormat,
    ConditionalKind,
    DateValidation,
    EditorRange,
    Formula,
    ListValidation,
    SheetSpec,
    Style,
    Value,
    cell_a1,
    column_letter,
)

LEVEL_MESSAGE = "Choisissez un niveau dans la liste, ou tapez son chiffre (par exemple 3)."
REVIEW_KEYS = frozenset({*REVIEW_LEVEL_KEYS, *REVIEW_COMMENT_KEYS})
LEVEL_KEYS = (COL_RETAINED, *REVIEW_LEVEL_KEYS)


def typeset_rows(rows: list[list[Value]], start: int = 0, stop: int | None = None) -> None:
    """French spacing on the text cells of ``rows[start:stop]``, in place: only call it on
    rows capsync composed, never on cells a person typed (they stay as typed)."""
    for row in rows[start:stop]:
        row[:] = [typeset(v) if isinstance(v, str) else v for v in row]


def levels_text(referentiel: Referentiel, criterion: Criterion) -> str:
    """« 0 - Non engagé : … » one line per level, with this criterion's descriptions."""
    lines = []
    for level in referentiel.scale.levels:
        text = criterion.levels.get(level.value, level.description)
        lines.append(f"{level.value} - {level.label} : {text}")
    return typeset("\n".join(lines))


def review_headers(
    collective: Collective, structure: Structure, chapter: Chapter
) -> dict[str, str]:
    """The review columns' headers, saying who reviews this chapter and by when."""
    tiers = ", ".join(d.name for d in collective.tiers) or "tiers à désigner"
    pair = structure.pair_for(chapter.id)
    if pair is None:
        pair_text = "pair à désigner"
    else:
        home = next((s.name for s in collective.structures if s.id == pair.structure), None)
        pair_text = f"{pair.name} ({home or pair.structure})" if pair.structure else pair.name
    when = review_when(collective, chapter.id)
    return {
        COL_TIERS_LEVEL: f"Niveau tiers\n{tiers}",
        COL_TIERS_COMMENT: f"Commentaire tiers\n{when}",
        COL_PAIR_LEVEL: f"Niveau pair\n{pair_text}",
        COL_PAIR_COMMENT: f"Commentaire pair\n{when}",
    }


def role_headers(structure: Structure, respondents: list[RespondentColumn]) -> dict[str, str]:
    """« Salarié·e en parcours 2 » instead of a name: what the direction and délégué·e·s read
    when the collectif or the structure asks for it (``respondents_by_role``)."""
    seen: dict[str, int] = {}
    headers: dict[str, str] = {}
    for person, column in zip(structure.respondents, respondents, strict=False):
        label = RespondentRole(person.role).label
        seen[label] = seen.get(label, 0) + 1
        headers[column.key] = f"{label} {seen[label]}"
    return headers


def review_when(collective: Collective, chapter_id: str) -> str:
    """« revue avant le regroupement du 11/06/2025 »: the review comes before the regroupement."""
    phases = [
        p
        for p in collective.calendar
        if p.kind == PhaseKind.REGROUPEMENT and p.chapter == chapter_id
    ]
    if not phases:
        return "date de revue à venir"
    # the earliest, as collective.phases() would sort it (a sync asks for every chapter of
    # every grid: sorting the whole calendar each time was a third of a no-change cycle)
    first = min(phases, key=lambda p: p.starts_at)
    return f"revue avant le regroupement du {first.date:%d/%m/%Y}"


def chapter_sheet(
    referentiel: Referentiel,
    collective: Collective,
    structure: Structure,
    chapter: Chapter,
    criteria: list[Criterion],
    respondents: list[RespondentColumn],
    carried: Carried,
) -> SheetSpec:
    """The chapter's sheet: one row per criterion that applies to the structure's type."""
    columns = [
        *LEADING_COLUMNS,
        *((r.key, r.header, RESPONDENT_WIDTH) for r in respondents),
        *COMPUTED_COLUMNS,
        *TRAILING_COLUMNS[:1],  # niveau retenu, then a new campaign's « à confirmer » mark
        *(() if carried.pending_count == 0 else (CARRIED_COLUMN,)),
        *TRAILING_COLUMNS[1:],
    ]
    keys = [key for key, _, _ in columns]
    col = keys.index
    fixed_headers = review_headers(collective, structure, chapter)
    if collective.by_role(structure):
        fixed_headers |= role_headers(structure, respondents)
    headers: list[Value] = [  # a header the structure renamed is carried as typed
        carried.respondent_headers.get(key, typeset(fixed_headers.get(key, header)))
        for key, header, _ in columns
    ]
    rows: list[list[Value]] = [[] for _ in range(FIRST_DATA_ROW)]
    rows[TITLE_ROW] = [typeset(f"Chapitre {chapter.id} — {chapter.title}")]
    rows[KEY_ROW] = list(keys)
    rows[HEADER_ROW] = headers
    first_resp = len(LEADING_COLUMNS)
    last_resp = first_resp + len(respondents) - 1
    last_row = FIRST_DATA_ROW + max(len(criteria), 1) - 1
    words = _formula_words(referentiel, keys, last_row, first_resp, last_resp)  # longest refs
    notes = _criterion_rows(referentiel, criteria, keys, rows, carried, first_resp, last_resp,
                            words)  # fmt: skip
    _header_notes(notes, keys, respondents, first_resp)
    notes = {cell: typeset(text) for cell, text in notes.items()}
    styles: list[Style | None] = [Style.LOCKED] * len(LEADING_COLUMNS)
    styles += [Style.INPUT] * len(respondents) + [Style.COMPUTED] * len(COMPUTED_COLUMNS)
    styles += [
        Style.REVIEW if k in REVIEW_KEYS else Style.INPUT for k, _, _ in columns[len(styles) :]
    ]
    cell_styles = {
        (HEADER_ROW, first_resp + i): Style.INPUT
        for i, r in enumerate(respondents)
        if r.header.startswith("Répondant·e")  # anonymous: the structure names it
    }
    choices = tuple(referentiel.scale.choice_labels())
    level_cols = [*range(first_resp, last_resp + 1), *(col(k) for k in LEVEL_KEYS)]
    validations: list[ListValidation | DateValidation] = [
        ListValidation(
            CellRange(FIRST_DATA_ROW, a, last_row, b), choices, LEVEL_MESSAGE, alert=False
        )
        for a, b in spans(level_cols)
    ]
    conditional = _to_discuss_colours(keys, last_row)
    conditional += _unread_word_colours(referentiel, words, level_cols, last_row)
    owners = editor_ranges(collective, structure, chapter, keys, first_resp, last_row)
    return SheetSpec(
        name=chapter_sheet_name(chapter.id),
        rows=rows,
        column_widths=[w for _, _, w in columns],
        column_styles=styles,
        header_rows=FIRST_DATA_ROW,
        row_styles={TITLE_ROW: Style.TITLE, KEY_ROW: Style.LOCKED},
        cell_styles=cell_styles,
        hidden_rows=(KEY_ROW,),
        freeze_rows=FIRST_DATA_ROW,
        freeze_cols=col(COL_CRITERION) + 1,
        notes=notes,
        validations=validations,
        conditional_formats=conditional,
        protected=True,
        autofilter=CellRange(HEADER_ROW, 0, last_row, len(columns) - 1),
        editor_ranges=owners,
        print_header=typeset(f"{structure.name} — Chapitre {chapter.id} — {chapter.title}"),
        print_footer=typeset(f"{referentiel.approach} — {collective.name}"),
    )


def _criterion_rows(
    referentiel: Referentiel,
    criteria: list[Criterion],
    keys: list[str],
    rows: list[list[Value]],
    carried: Carried,
    first_resp: int,
    last_resp: int,
    words: consensus.Words,
) -> dict[tuple[int, int], str]:
    """Append one row per criterion (carried values, generated formulas); their notes."""
    notes: dict[tuple[int, int], str] = {}
    for i, criterion in enumerate(criteria):
        r = FIRST_DATA_ROW + i
        objective = referentiel.objective_of[criterion.id]
        row: list[Value] = [
            criterion.id,
            typeset(f"{objective.id} — {objective.title}"),
            typeset(criterion.title),
            typeset(criterion.question),
        ]
        row += [carried.answers.get((criterion.id, key)) for key in keys[len(row) :]]
        consensus_row = _consensus_row(referentiel, keys, r, first_resp, last_resp, words)
        for key, formula in consensus_row.items():
            row[keys.index(key)] = formula
        rows.append(row)
        notes[(r, keys.index(COL_QUESTION))] = levels_text(referentiel, criterion)
    return notes


def _unread_word_colours(
    referentiel: Referentiel, words: consensus.Words, level_cols: list[int], last_row: int
) -> list[ConditionalFormat]:
    """Level cells typed in a way the grid's formulas cannot count (« Structuré. »,
    « niveau 2 - structuré »): coloured, so the group knows the median leaves them out
    (the dashboard, read by the parser, may still count them)."""
    scale = referentiel.scale
    if not consensus.single_digit_scale(scale.values):
        return []
    others = (scale.not_applicable.label, *scale.not_applicable.aliases, scale.unknown.label,
              *scale.unknown.aliases, "N/A", "NA", "NSP", "?")  # fmt: skip
    return [
        ConditionalFormat(
            CellRange(FIRST_DATA_ROW, a, last_row, b),
            ConditionalKind.FORMULA,
            formula=Formula(consensus.unread_word_rule(cell_a1(FIRST_DATA_ROW, a), words, others)),
        )
        for a, b in spans(level_cols)
    ]


def _to_discuss_colours(keys: list[str], last_row: int) -> list[ConditionalFormat]:
    """The rows « à discuter » coloured: their ID…Question cells and their computed cells."""
    discuss = column_letter(keys.index(COL_DISCUSS))
    flagged = Formula(f'=${discuss}{FIRST_DATA_ROW + 1}="{TO_DISCUSS}"')
    coloured = ((0, len(LEADING_COLUMNS) - 1), (keys.index(COL_COUNT), keys.index(COL_DISCUSS)))
    return [
        ConditionalFormat(
            CellRange(FIRST_DATA_ROW, a, last_row, b), ConditionalKind.FORMULA, formula=flagged
        )
        for a, b in coloured
    ]


def group_editors(structure: Structure) -> tuple[str, ...]:
    """Who types the group's cells (retenu, justification, plan): the structure's contacts."""
    return tuple(str(c).lower() for c in structure.contacts)


def editor_ranges(
    collective: Collective,
    structure: Structure,
    chapter: Chapter,
    keys: list[str],
    first_resp: int,
    last_row: int,
) -> list[EditorRange]:
    """Who may type in which columns, where the backend can enforce it (Google).

    A respondent with an e-mail owns their column; without one, their column is
    the group's (the contacts type for them). The tiers' columns are the
    collectif's tiers', the pair's columns the pair of *this* chapter's.
    """
    group = group_editors(structure)

    def column(key: str, people: tuple[str, ...], what: str) -> EditorRange:
        c = keys.index(key)
        return EditorRange(CellRange(FIRST_DATA_ROW, c, last_row, c), people, what)

    owned = []
    people = dict(zip(keys[first_resp:], structure.respondents, strict=False))
    for key in (k for k in keys if k.startswith(RESPONDENT_PREFIX)):
        person = people.get(key)
        if person is not None and person.email:
            owned.append(column(key, (str(person.email).lower(),), f"Colonne de {person.name}"))
        else:
            owned.append(column(key, group, "Colonne d'un·e répondant·e (le groupe)"))
    owned += [column(k, group, "Colonnes du groupe") for k in (COL_RETAINED, COL_JUSTIFICATION)]
    if COL_CARRIED in keys:  # the group confirms a carried level by clearing its marker
        owned.append(column(COL_CARRIED, group, "Colonnes du groupe"))
    tiers = tuple(str(d.email).lower() for d in collective.tiers)
    owned += [column(k, tiers, "Colonnes du tiers") for k in (COL_TIERS_LEVEL, COL_TIERS_COMMENT)]
    pair = structure.pair_for(chapter.id)
    pairs = (str(pair.email).lower(),) if pair is not None and pair.email else ()
    owned += [column(k, pairs, "Colonnes du pair") for k in (COL_PAIR_LEVEL, COL_PAIR_COMMENT)]
    return owned


def _consensus_row(
    referentiel: Referentiel,
    keys: Sequence[str],
    r: int,
    first_resp: int,
    last_resp: int,
    words: consensus.Words,
) -> dict[str, Formula]:
    """The row's generated formulas; none when the scale is not single digits or nobody answers."""
    if not _has_formulas(referentiel, first_resp, last_resp):
        return {}
    return _consensus_formulas(referentiel, keys, r, first_resp, last_resp, words)


def _has_formulas(referentiel: Referentiel, first_resp: int, last_resp: int) -> bool:
    """Formulas are written when someone answers and the levels are single digits."""
    return last_resp >= first_resp and consensus.single_digit_scale(referentiel.scale.values)


def _formula_words(
    referentiel: Referentiel, keys: Sequence[str], r: int, first_resp: int, last_resp: int
) -> consensus.Words:
    """The level words the formulas of row ``r`` read; none (digits only) when the labels
    are so long that the formulas would pass Excel's length limit."""
    words = consensus.level_words(referentiel.scale)
    if not _has_formulas(referentiel, first_resp, last_resp):
        return words
    formulas = _consensus_formulas(referentiel, keys, r, first_resp, last_resp, words)
    return words if max(len(f.text) for f in formulas.values()) <= consensus.FORMULA_LIMIT else {}


def _consensus_formulas(
    referentiel: Referentiel,
    keys: Sequence[str],
    r: int,
    first_resp: int,
    last_resp: int,
    words: consensus.Words,
) -> dict[str, Formula]:
    """The four consensus formulas of row ``r``.

    The same for every grid of one layout (a row's formulas depend on its place, the
    scale and the words, not on the structure): built once per process and shared,
    they were a third of building a grid's spec, and the shared texts make the
    caches of :func:`~capsync.layout.grid_calc.same_sheet_cells` and of the renderer
    hit at the cost of a lookup."""
    said = tuple((level, tuple(spellings)) for level, spellings in words.items())
    places = tuple(keys.index(k) for k in (COL_COUNT, COL_MEDIAN, COL_RETAINED))
    reviews = tuple(keys.index(k) for k in REVIEW_LEVEL_KEYS)
    values, threshold = tuple(referentiel.scale.values), referentiel.scoring.divergence_threshold
    return dict(_row_formulas(values, threshold, said, places, reviews, r, first_resp, last_resp))


@lru_cache(maxsize=2048)
def _row_formulas(
    values: tuple[int, ...],
    threshold: int,
    said: tuple[tuple[int, tuple[str, ...]], ...],
    places: tuple[int, int, int],
    reviews: tuple[int, ...],
    r: int,
    first_resp: int,
    last_resp: int,
) -> tuple[tuple[str, Formula], ...]:
    words = dict(said)
    cells = f"{cell_a1(r, first_resp)}:{cell_a1(r, last_resp)}"
    count, median, retained = (cell_a1(r, c) for c in places)
    return (
        (COL_COUNT, consensus.count_formula(cells, values, words)),
        (COL_MEDIAN, consensus.median_formula(cells, values, count, words)),
        (COL_SPREAD, consensus.spread_formula(cells, values, count, words)),
        (
            COL_DISCUSS,
            consensus.discuss_formula(
                cells,
                values,
                count=count,
                median=median,
                retained=retained,
                reviews=[cell_a1(r, c) for c in reviews],
                threshold=threshold,
                words=words,
            ),
        ),
    )


def _header_notes(
    notes: dict[tuple[int, int], str],
    keys: list[str],
    respondents: list[RespondentColumn],
    first_resp: int,
) -> None:
    if respondents and respondents[0].header.startswith("Répondant·e"):
        notes[(HEADER_ROW, first_resp)] = (
            "Vous pouvez remplacer « Répondant·e 1 » par le prénom de la personne qui répond."
        )
    notes[(HEADER_ROW, keys.index(COL_QUESTION))] = (
        "Passez la souris sur une question (ou ouvrez l'onglet « Niveaux par critère ») "
        "pour lire ce que veut dire chaque niveau pour ce critère."
    )
    notes[(HEADER_ROW, keys.index(COL_DISCUSS))] = (
        "Calculé par le tableur. « à discuter » quand les avis sont vraiment partagés (deux "
        "personnes au moins de chaque côté d'un écart de 2 niveaux, à partir de 4 réponses), "
        "quand le niveau retenu s'écarte de 2 niveaux de la médiane, ou quand le tiers ou le "
        "pair s'écarte de 2 niveaux du niveau retenu. « Ne sait pas » et les cases vides ne "
        "comptent pas."
    )
    notes[(HEADER_ROW, keys.index(COL_RETAINED))] = (
        "Le niveau retenu est le consensus du groupe, après discussion des réponses de chacun·e."
    )
    notes[(HEADER_ROW, keys.index(COL_JUSTIFICATION))] = (
        "Ce qui justifie le niveau retenu : documents, pratiques, preuves."
    )
    if COL_CARRIED in keys:  # a new campaign: levels carried from the previous one
        notes[(HEADER_ROW, keys.index(COL_CARRIED))] = (
            "Niveau retenu et justification repris de la campagne précédente : ils ne comptent "
            "pas tant que cette cellule n'est pas vide. Relisez-les, corrigez-les si besoin, "
            "puis videz la cellule pour les confirmer."
        )
    notes[(HEADER_ROW, keys.index(COL_TIERS_LEVEL))] = (
        "Réservé au tiers (délégation régionale) : son niveau après la revue du chapitre."
    )
    notes[(HEADER_ROW, keys.index(COL_PAIR_LEVEL))] = (
        "Réservé au pair (une autre structure du réseau) : son niveau après la revue du chapitre."
    )


def spans(cols: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs of column indices, so that one validation covers each run."""
    out: list[tuple[int, int]] = []
    for c in sorted(set(cols)):
        if out and out[-1][1] == c - 1:
            out[-1] = (out[-1][0], c)
        else:
            out.append((c, c))
    return out


def levels_sheet(referentiel: Referentiel, criteria: list[Criterion]) -> SheetSpec:
    """« Niveaux par critère »: what each level means for each criterion, to read or print."""
    levels = referentiel.scale.levels
    rows: list[list[Value]] = [
        ["Niveaux de maturité, critère par critère (à lire avant de répondre)"],
        ["ID", "Critère", *(f"{lv.value} - {lv.label}" for lv in levels)],
    ]
    for criterion in criteria:
        rows.append(
            [
                criterion.id,
                criterion.title,
                *(criterion.levels.get(lv.value, lv.description) for lv in levels),
            ]
        )
    typeset_rows(rows)  # the référentiel's texts, as capsync displays them
    return SheetSpec(
        name=LEVELS_SHEET,
        rows=rows,
        column_widths=[7, 24, *([30] * len(levels))],
        column_styles=[Style.LOCKED, Style.LOCKED, *([Style.TEXT] * len(levels))],
        header_rows=2,
        row_styles={0: Style.TITLE},
        freeze_rows=2,
        freeze_cols=2,
        protected=True,
        print_header=f"{referentiel.approach} — niveaux de maturité par critère",
        tab_color="#8E7CC3",
    )
