"""What a regroupement kit says: one chapter of one collectif, read for the room (pure).

A regroupement closes a capsule: the collectif meets to compare its results on
the chapter and to share practices (« retours d'expériences et
mutualisation »). The kit prepares it for the délégué·e·s: the collectif's
levels per criterion with the counts behind them, the criteria that divide the
collectif most, for each weak point the structures that could tell how they do
it (« qui pourrait témoigner »), who is late, the matching offre de services
and a draft agenda. The workbook (:mod:`.regroupement`) and the PDF
(:mod:`capsync.render.regroupement_pdf`) are both laid out from
:class:`KitData`, so they never disagree.

Names: a structure is named as a possible witness only when it agreed
(``testimony_consent``), otherwise « une structure », with its type
(« une structure (ACI) ») only when at least ``SHOWN_TYPE`` structures of the
collectif share it, and the structures of the rarer types, said without theirs, are
none or ``SHOWN_TYPE`` at least: most types are unique in a collectif and would name
it, and with four ACI and one ETTI every « une structure » would be the ETTI; ``anonymous``
(``capsync regroupement --anonyme``) hides every structure name, the late ones
included, for a kit projected or sent beyond the délégué·e·s. What a structure
typed (its justification) is quoted only next to its name, never next to an
anonymised line: a sentence can name its author.

Figures, in the anonymous kit: a criterion answered by fewer than ``FEW`` structures
shows no mean, count or spread (« moins de 3 structures »), and is neither a dividing
criterion nor a weak point: a criterion only one type has would give away that
structure's level. The late list says « n critères sur M » only when every structure of
the collectif has the same M: a rarer M (and the percentage it rounds to) names a type.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from capsync.campaign.config import Collective, Phase, Structure
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.vocabulary import PhaseKind
from capsync.french import counted, percent, typeset
from capsync.layout.dashboard_sheets import COMPLETE, LATE, NO_CRITERION_APPLIES, chapter_status
from capsync.layout.restitution_data import level_name
from capsync.layout.tables import frame_rows, integer, number, person_text
from capsync.scoring import scores as scoring
from capsync.workbook.grid_schema import COL_JUSTIFICATION

FEW = 3  # a mean on fewer structures is marked « peu de réponses », hidden when anonymous
HIDDEN = f"moins de {FEW} structures"  # what the anonymous kit says instead of such figures
WITNESS_LEVEL = 3  # « qui pourrait témoigner »: retained level 3 or 4
PRACTICE_WORDS = 3  # a justification of fewer words (« oui », « voir doc ») describes no practice
MAX_DIVIDING = 5
MAX_WEAK = 5
WEAK_SHARE = 1 / 3  # a weak point: a third of the answering structures below the weak level
SHOWN_TYPE = 3  # an anonymous structure shows its type only when this many share it
EXCERPT = 220  # characters of a justification quoted in the kit
NO_ANSWER = "pas de réponse"


@dataclass(frozen=True)
class LevelCount:
    criterion: str
    title: str
    objective: str
    mean: float | None
    n: int  # structures that answered it
    counts: tuple[int, ...]  # per level of the scale, in order
    spread: int | None  # highest − lowest level counted in ``counts`` (two answers at least)
    weak: int  # structures below the weak level
    hidden: bool = False  # anonymous, fewer than FEW answers: every figure above blanked

    @property
    def few(self) -> bool:
        return 0 < self.n < FEW

    def hide(self) -> LevelCount:
        """The line with no figure left: what is not in the kit cannot be drawn or printed."""
        blank = (0,) * len(self.counts)
        return replace(self, mean=None, n=0, counts=blank, spread=None, weak=0, hidden=True)


@dataclass(frozen=True)
class Witness:
    label: str  # the structure's name, or « une structure » (« une structure (ACI) »)
    level: float
    level_text: str  # « niveau 3 - Maîtrisé »
    excerpt: str  # its justification, only when named


@dataclass(frozen=True)
class WeakPoint:
    line: LevelCount
    witnesses: tuple[Witness, ...]


@dataclass(frozen=True)
class Straggler:
    label: str
    status: str  # « en retard », « en cours », « non commencé »
    completion: float | None  # None, with the two counts, when the kit hides its figures
    answered: int | None
    applicable: int | None
    progress: str  # « 92 % (11 critères sur 12) », or « au moins les trois quarts… » (hidden)


@dataclass(frozen=True)
class KitService:
    title: str
    description: str
    url: str
    for_criteria: tuple[str, ...]


@dataclass(frozen=True)
class AgendaItem:
    start: str  # « 9 h 30 »
    minutes: int
    title: str
    detail: str


@dataclass(frozen=True)
class KitData:
    """One regroupement's kit, every text in French and already typeset."""

    collective_name: str
    chapter: str
    chapter_title: str
    meeting: dt.date
    place: str
    today: dt.date
    anonymous: bool
    levels: tuple[tuple[int, str], ...]  # the scale: (value, name)
    weak_level: int
    structures: int  # in the collectif
    answered: int  # structures with at least one criterion of the chapter answered
    chapter_mean: float | None
    lines: tuple[LevelCount, ...]
    dividing: tuple[LevelCount, ...]
    weak_points: tuple[WeakPoint, ...]
    stragglers: tuple[Straggler, ...]
    services: tuple[KitService, ...]
    agenda: tuple[AgendaItem, ...]
    approach: str = "CAP RSE"  # the démarche of the collectif's référentiel (its cover, footer)
    late_figures: bool = True  # the late list's counts and percentages (see _late_figures)

    @property
    def chapter_mean_text(self) -> str:
        """« 2,6 (6 structures) », or « moins de 3 structures » when anonymous and so few."""
        if self.anonymous and 0 < self.answered < FEW:
            return HIDDEN
        return mean_text(self.chapter_mean, self.answered)

    @property
    def structure_name(self) -> str:
        """What the PDF's footer names (the document is the collectif's, not a structure's)."""
        return f"{self.collective_name} — chapitre {self.chapter}"

    @property
    def title(self) -> str:
        return typeset(f"Regroupement du {self.meeting:%d/%m/%Y} — chapitre {self.chapter}")


def weak_rule(weak_level: int) -> str:
    """What makes a weak point, as the PDF and the workbook print it (:func:`_weak`)."""
    return (
        f"au moins un tiers des structures sous le niveau {weak_level}, ou une moyenne du "
        f"collectif sous {weak_level}"
    )


def mean_text(mean: float | None, n: int) -> str:
    """« 2,3 (3 structures) », « 3,0 (1 structure, peu de réponses) », « — »."""
    if mean is None or n == 0:
        return "—"
    noun = "structure" if n == 1 else "structures"
    few = ", peu de réponses" if n < FEW else ""
    return f"{scoring.format_score(mean)} ({n} {noun}{few})"


def line_text(line: LevelCount) -> str:
    """A criterion's mean as every part of the kit prints it: :func:`mean_text`, or
    « moins de 3 structures » for a line the anonymous kit hides."""
    return HIDDEN if line.hidden else mean_text(line.mean, line.n)


def regroupement_phase(collective: Collective, chapter: str, today: dt.date) -> Phase | None:
    """The chapter's regroupement: the next one from ``today``, else the last one held."""
    found = [
        p
        for p in collective.phases()
        if p.kind == PhaseKind.REGROUPEMENT and (p.chapter or "") == chapter
    ]
    coming = [p for p in found if p.date >= today]
    return coming[0] if coming else (found[-1] if found else None)


def _level_lines(
    referentiel: Referentiel, scores: scoring.Scores, chapter: str, anonymous: bool
) -> list[LevelCount]:
    stats = scoring.criterion_statistics(scores.criteria, referentiel)
    values = [lv.value for lv in referentiel.scale.levels]
    lines = []
    for row in frame_rows(stats[stats["chapter"] == chapter]):
        n = integer(row.get("n_answered")) or 0
        counts = tuple(integer(row.get(f"level_{v}")) or 0 for v in values)
        reached = [v for v, count in zip(values, counts, strict=True) if count]
        lines.append(
            LevelCount(
                criterion=str(row["criterion"]),
                title=str(row["title"]),
                objective=str(row["objective"]),
                mean=number(row.get("mean")),
                n=n,
                counts=counts,
                # on the levels the counts use (a median of 3,5 counts at 3), so the
                # « écart » printed next to the counts is theirs
                spread=max(reached) - min(reached) if n >= 2 and reached else None,
                weak=round((number(row.get("share_weak")) or 0.0) * n),
            )
        )
    return [ln.hide() if anonymous and ln.n < FEW else ln for ln in lines]


def _dividing(lines: list[LevelCount]) -> list[LevelCount]:
    """The widest spreads across structures first (two answers at least), ties by fewer
    answers at the mean."""
    found = [ln for ln in lines if ln.spread is not None and ln.spread > 0]
    found.sort(key=lambda ln: (-(ln.spread or 0), -ln.n))
    return found[:MAX_DIVIDING]


def _weak(lines: list[LevelCount], weak_level: int) -> list[LevelCount]:
    """The weak points, as :func:`weak_rule` says: a third below the weak level, or a mean
    below it."""
    found = [
        ln
        for ln in lines
        if ln.n and (ln.weak / ln.n >= WEAK_SHARE or (ln.mean or 0.0) < weak_level)
    ]
    found.sort(key=lambda ln: (-ln.weak / ln.n, ln.mean if ln.mean is not None else 0.0))
    return found[:MAX_WEAK]


def anonymous_label(structure: Structure, collective: Collective) -> str:
    """« une structure (ACI) » when at least ``SHOWN_TYPE`` structures of the collectif are
    of its type, else « une structure »: a type few share would name it. No type is given
    at all when the structures left without theirs are one or two: beside « une structure
    (ACI) », a plain « une structure » would then be the lone ETTI, by elimination."""
    counts = Counter(s.type_text for s in collective.structures)
    untyped = sum(n for n in counts.values() if n < SHOWN_TYPE)
    if counts[structure.type_text] >= SHOWN_TYPE and not 0 < untyped < SHOWN_TYPE:
        return f"une structure ({structure.type_text})"
    return "une structure"


def _justifications(texts: pd.DataFrame) -> dict[tuple[str, str], str]:
    rows = frame_rows(texts)
    return {
        (str(r["structure"]), str(r["criterion"])): person_text(r.get("text")).strip()
        for r in rows
        if r.get("column") == COL_JUSTIFICATION
    }


def describes_practice(text: str) -> bool:
    """A justification of a few words at least: « oui » or « voir doc » describes nothing."""
    return len(text.split()) >= PRACTICE_WORDS


def _witnesses(
    collective: Collective,
    criteria: pd.DataFrame,
    justifications: Mapping[tuple[str, str], str],
    criterion: str,
    anonymous: bool,
    levels: tuple[tuple[int, str], ...],
) -> tuple[Witness, ...]:
    rows = criteria[
        (criteria["criterion"] == criterion)
        & criteria["answered"]
        & (criteria["retained"] >= WITNESS_LEVEL)
    ]
    found = []
    for row in frame_rows(rows):
        structure = collective.structure(str(row["structure"]))
        text = justifications.get((structure.id, criterion), "")
        if not describes_practice(text):
            continue
        named = structure.testimony_consent and not anonymous
        excerpt = text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"
        found.append(
            Witness(
                label=structure.name if named else anonymous_label(structure, collective),
                level=float(row["retained"]),
                level_text=f"niveau {level_name(levels, float(row['retained']))}",
                excerpt=excerpt if named else "",
            )
        )
    found.sort(key=lambda w: (-w.level, bool(w.excerpt) is False, w.label))
    return tuple(found)


def progress_band(completion: float | None, answered: int) -> str:
    """How far a late structure is, in quarters: any number of criteria can fall in any
    quarter, so the band says nothing of how many apply to it (its type)."""
    share = completion or 0.0
    if answered == 0 or share <= 0:
        return "aucun critère renseigné"
    if share < 1 / 4:
        return "moins d'un quart des critères renseignés"
    if share < 1 / 2:
        return "d'un quart à la moitié des critères renseignés"
    if share < 3 / 4:
        return "de la moitié aux trois quarts des critères renseignés"
    return "au moins les trois quarts des critères renseignés"


def _late_figures(rows: Mapping[str, Mapping[str, Any]], collective: Collective) -> bool:
    """Whether an anonymous late list may say « n critères sur M »: only when every
    structure the chapter concerns has the same M. Otherwise M, or the percentage it rounds
    to (11 sur 12 is the only 92 %), tells the type, and a rule per line would too, by the
    lines it leaves out."""
    counts = {integer(rows.get(s.id, {}).get("applicable")) for s in collective.structures}
    return len(counts - {0}) <= 1 and None not in counts


def _stragglers(
    request: KitRequest, found: Mapping[str, Mapping[str, Any]], figures: bool
) -> list[Straggler]:
    """Who has not finished the chapter (``found``: its score rows by structure)."""
    collective, meeting, anonymous = request.collective, request.phase.date, request.anonymous
    late = []
    for structure in collective.structures:
        row: Mapping[str, Any] = found.get(structure.id, {})
        completion = number(row.get("completion"))
        answered = integer(row.get("answered")) or 0
        applicable = integer(row.get("applicable"))
        status = chapter_status(
            completion, answered, meeting, request.late_days, request.today, applicable
        )
        if status in (COMPLETE, NO_CRITERION_APPLIES):
            continue
        share = "—" if completion is None else percent(completion)
        done = f"{counted(answered, 'critère')} sur {applicable or 0}"
        late.append(
            Straggler(
                label=anonymous_label(structure, collective) if anonymous else structure.name,
                status=NO_ANSWER if answered == 0 and status != LATE else status,
                completion=completion,
                answered=answered,
                applicable=applicable or 0,
                progress=f"{share} ({done})" if figures else progress_band(completion, answered),
            )
        )
    late.sort(key=lambda s: (s.completion or 0.0, s.label))
    if figures:
        return late
    return [replace(s, completion=None, answered=None, applicable=None) for s in late]


def _services(referentiel: Referentiel, weak: list[LevelCount]) -> list[KitService]:
    """The offre de services of the weak points: their objectives' and their own."""
    objectives = {o.id: o for ch in referentiel.chapters for o in ch.objectives}
    linked: dict[str, list[str]] = {}
    for line in weak:
        criterion = referentiel.criteria[line.criterion]
        for service_id in (*objectives[line.objective].services, *criterion.services):
            linked.setdefault(service_id, [])
            if line.criterion not in linked[service_id]:
                linked[service_id].append(line.criterion)
    found = []
    for service_id, criteria in linked.items():
        known = referentiel.services.get(service_id)
        if known is not None:
            url = str(known.url) if known.url else ""
            found.append(KitService(known.title, known.description, url, tuple(criteria)))
    return found


def _clock(start: dt.datetime) -> str:
    return f"{start.hour} h {start.minute:02d}"


def _testimonies(n: int) -> str:
    """« 2 témoignages possibles », or « aucun témoin repéré »: « 0 témoignage possible »
    read as a rule, not as a finding."""
    return counted(n, "témoignage possible", "témoignages possibles") if n else NO_WITNESS


NO_WITNESS = "aucun témoin repéré"


def _agenda(
    phase: Phase, chapter: str, dividing: list[LevelCount], weak: list[WeakPoint], after: str
) -> list[AgendaItem]:
    """A draft to adapt: half a day from the regroupement's time (9 h 30 when none)."""
    blocks = [
        (15, "Accueil et tour de table", "Chaque structure dit en une phrase où elle en est."),
        (
            30,
            f"Les résultats du collectif sur le chapitre {chapter}",
            "Le radar et la répartition par critère : ce qui va de soi, ce qui surprend.",
        ),
        (
            40,
            "Les critères qui partagent le collectif",
            ", ".join(ln.criterion for ln in dividing) or "Aucun écart marqué entre structures.",
        ),
        (15, "Pause", ""),
        (
            60,
            "Retours d'expériences et mutualisation",
            " ; ".join(f"{w.line.criterion} ({_testimonies(len(w.witnesses))})" for w in weak)
            or "Aucun point faible commun : partager les pratiques qui marchent.",
        ),
        (20, "Offre de services et plans de progrès", "Ce que le réseau propose, qui s'en saisit."),
        (10, "Suites", after),
    ]
    clock = dt.datetime.combine(phase.date, phase.time or dt.time(9, 30))
    items = []
    for minutes, title, detail in blocks:
        items.append(AgendaItem(_clock(clock), minutes, typeset(title), typeset(detail)))
        clock += dt.timedelta(minutes=minutes)
    return items


def _next_step(collective: Collective, meeting: dt.date) -> str:
    after = [p for p in collective.phases() if p.date > meeting]
    if not after:
        return "Fin du calendrier du collectif."
    nxt = after[0]
    return f"Prochaine étape : {nxt.title.lower()}, le {nxt.date:%d/%m/%Y}."


@dataclass(frozen=True)
class KitRequest:
    """Which kit: a collectif's chapter, for its regroupement, as of ``today``."""

    collective: Collective
    referentiel: Referentiel
    scores: scoring.Scores
    texts: pd.DataFrame
    phase: Phase
    today: dt.date
    late_days: int
    anonymous: bool = False


def build_kit(request: KitRequest) -> KitData:
    """Everything the kit shows, computed once for the workbook and the PDF."""
    ref, coll, phase = request.referentiel, request.collective, request.phase
    chapter = phase.chapter or ""
    weak_level = ref.scoring.weak_level
    lines = _level_lines(ref, request.scores, chapter, request.anonymous)
    dividing = _dividing(lines)
    justifications = _justifications(request.texts)
    levels = tuple((lv.value, lv.label) for lv in ref.scale.levels)
    weak = [
        WeakPoint(ln, _witnesses(coll, request.scores.criteria, justifications, ln.criterion,
                                 request.anonymous, levels))
        for ln in _weak(lines, weak_level)
    ]  # fmt: skip
    chapters = request.scores.chapters
    mine = chapters[(chapters["chapter"] == chapter) & (chapters["answered"] > 0)]
    means = [number(s) for s in mine["score"]]
    known = [m for m in means if m is not None]
    if request.anonymous and len(known) < FEW:
        known = []  # one or two structures' chapter scores: see KitData.chapter_mean_text
    rows = {str(r["structure"]): r for r in frame_rows(chapters) if str(r["chapter"]) == chapter}
    figures = not request.anonymous or _late_figures(rows, coll)
    title = next((c.title for c in ref.chapters if c.id == chapter), "")
    return KitData(
        approach=ref.approach,
        collective_name=coll.name,
        chapter=chapter,
        chapter_title=title,
        meeting=phase.date,
        place=phase.place or (phase.modality.phrase if phase.modality else ""),
        today=request.today,
        anonymous=request.anonymous,
        levels=levels,
        weak_level=weak_level,
        structures=len(coll.structures),
        answered=len(mine),
        chapter_mean=sum(known) / len(known) if known else None,
        lines=tuple(lines),
        dividing=tuple(dividing),
        weak_points=tuple(weak),
        stragglers=tuple(_stragglers(request, rows, figures)),
        late_figures=figures,
        services=tuple(_services(ref, [w.line for w in weak])),
        agenda=tuple(_agenda(phase, chapter, dividing, weak, _next_step(coll, phase.date))),
    )
