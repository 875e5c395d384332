"""A copy's plan de progrès merged into the store's plan, row by row, by what each row says.

A copy never seen before (an e-mailed grid imported, a copy put in place) knows
nothing of the rows the structure added, moved, reworded or deleted since it was
made: its row numbers say nothing, so its rows are matched to the current plan
by content (criterion and action), never by row number. Pure: the caller gives
the current rows and every row content the log holds, and appends the events.

- a row the plan already holds (anywhere) is not news;
- a row the plan held before and replaced or deleted since is an older copy's:
  refused (« copie périmée »);
- a row matching a current row (same criterion, same action or same place) is
  merged field by field: a field the copy changed while the plan did not is
  taken, a field holding a value the row had before is refused (stale), a
  field both changed is a conflict: the copy's value is taken (the later file
  wins, as for answers) and the earlier one stays in the log;
- a row whose action was deleted from the plan since, changed in the copy, is
  not brought back (a conflict the structure is told of);
- any other row is new: added, at its own row number when free.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from capsync.store.ownership import ActionRow, action_content

PlanRow = tuple[str | None, ...]  # the 11 values of a stored plan row (record._action_values)
Current = dict[int, tuple[PlanRow, str]]  # row number → (values, file key)
# Each field of PLAN_FIELDS as positions of action_content (échéance: the date and the text).
FIELD_POSITIONS: tuple[tuple[int, ...], ...] = ((0,), (1,), (2,), (3, 4), (5,), (6,), (7,), (8,))
# The same fields' positions in a stored row (target and origin sit after sheet and cells).
ROW_POSITIONS: tuple[tuple[int, ...], ...] = ((0,), (1,), (2,), (3, 4), (5,), (6,), (9,), (10,))


class PlanNoteKind(StrEnum):
    STALE_ROW = "stale_row"  # the whole row is an older version of a current row
    DELETED_ROW = "deleted_row"  # an older version of a row deleted since
    CHANGED_DELETED = "changed_deleted"  # a row deleted since, changed in the copy
    STALE_FIELD = "stale_field"  # one field holds a value the row had before
    CONFLICT = "conflict"  # one field changed both in the copy and in the plan


@dataclass(frozen=True)
class PlanNote:
    """What the copy held that was not taken as it was: the caller makes it an anomaly."""

    kind: PlanNoteKind
    copy: PlanRow  # the copy's row
    field: int | None  # index in PLAN_FIELDS, None: the whole row
    current: PlanRow | None  # the current row it was matched to
    row: int  # the current row's number (the copy's, when none)


@dataclass
class PlanMerge:
    events: list[tuple[int, PlanRow]]  # (row number, values) to append and make current
    notes: list[PlanNote]


def merge_copy(
    copy: dict[int, PlanRow], current: Current, past: Sequence[tuple[int, ActionRow]]
) -> PlanMerge:
    """The events a copy's plan rows bring, and what they held that was not taken."""
    merge = PlanMerge([], [])
    now = {action_content(v): row for row, (v, _) in current.items()}
    before = {action_content(v) for _, v in past}
    used: set[int] = set()
    free = max([*current, *copy], default=0) + 1
    for row, values in sorted(copy.items()):
        content = action_content(values)
        if content in now:
            used.add(now[content])
            continue
        match = _related(row, values, current, used)
        if content in before:
            kind = PlanNoteKind.STALE_ROW if match is not None else PlanNoteKind.DELETED_ROW
            cur = None if match is None else current[match][0]
            merge.notes.append(PlanNote(kind, values, None, cur, row if match is None else match))
            continue
        if match is None:
            if _deleted(values, current, past):
                merge.notes.append(PlanNote(PlanNoteKind.CHANGED_DELETED, values, None, None, row))
                continue
            at = row if row not in current and row not in used else free
            free += at == free
            used.add(at)
            merge.events.append((at, values))
            continue
        used.add(match)
        _merge_row(merge, match, values, current[match][0], _lineage(match, current, past))
    return merge


def _related(row: int, values: PlanRow, current: Current, used: set[int]) -> int | None:
    """The current row a copy's row is a version of: same criterion, and the same action
    (wherever it sits) or the same place; the closest when several are."""
    same_action = [r for r, (v, _) in current.items()
                   if r not in used and v[0] == values[0] and v[1] == values[1]]  # fmt: skip
    if same_action:
        return min(same_action, key=lambda r: (-_agreement(current[r][0], values), abs(r - row)))
    old = current.get(row)
    if row not in used and old is not None and old[0][0] == values[0]:
        return row
    return None


def _agreement(a: PlanRow, b: PlanRow) -> int:
    return sum(all(a[i] == b[i] for i in pos) for pos in ROW_POSITIONS)


def _deleted(values: PlanRow, current: Current, past: Iterable[tuple[int, ActionRow]]) -> bool:
    """Whether the copy's row is a version of a row (criterion and action) that the plan
    held and deleted since."""
    held = {(v[0], v[1]) for v, _ in current.values()}
    return (values[0], values[1]) not in held and any(
        (p[0], p[1]) == (values[0], values[1]) for _, p in past
    )


def _lineage(row: int, current: Current, past: Sequence[tuple[int, ActionRow]]) -> list[ActionRow]:
    """The versions the log holds of one current row: at its place, or with its action."""
    values = current[row][0]
    return [p for r, p in past if r == row or (p[0], p[1]) == (values[0], values[1])]


def _merge_row(
    merge: PlanMerge, row: int, copy: PlanRow, cur: PlanRow, lineage: list[ActionRow]
) -> None:
    """Field by field (see the module's docstring); one event when a field is taken."""
    versions = [action_content(p) for p in lineage] or [action_content(cur)]
    mine, base = action_content(copy), action_content(cur)
    start = max(versions, key=lambda v: sum(v[i] == mine[i] for i in range(len(mine))))
    merged = list(cur)
    taken = False
    for field, (positions, at) in enumerate(zip(FIELD_POSITIONS, ROW_POSITIONS, strict=True)):
        theirs = tuple(mine[i] for i in positions)
        held = tuple(base[i] for i in positions)
        if theirs == held:
            continue
        if any(tuple(v[i] for i in positions) == theirs for v in versions):
            merge.notes.append(PlanNote(PlanNoteKind.STALE_FIELD, copy, field, cur, row))
            continue
        if tuple(start[i] for i in positions) != held:
            merge.notes.append(PlanNote(PlanNoteKind.CONFLICT, copy, field, cur, row))
        for i in at:
            merged[i] = copy[i]
        taken = True
    if taken:
        merge.events.append((row, tuple(merged)))
