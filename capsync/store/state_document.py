"""The current state of one grid as one JSON document (``cur_answers.state``).

Split from :mod:`capsync.store.record`, which writes it at every reading, and read by
:class:`capsync.store.database.Store` for the frames. One row per cell cost more than the
whole pull's budget, so the document is column by column::

    {"at": [times], "files": [file keys],
     "levels": {"criterion": [...], "column": [...], "kind": [...], "level": [...],
                "text": [...], "t": [time codes], "f": [file codes]},
     "texts": {"criterion": [...], "column": [...], "text": [...], "t": [...], "f": [...]}}
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import compress, repeat
from typing import Any

import orjson

from capsync.parse.answers import AnswerKind

Key = tuple[str, str]  # (criterion, column key)
CellState = tuple[str, float | None, str, str]  # (kind, level, text, recorded_at)
TEXT = AnswerKind.TEXT.value  # the kind of a text cell, as a plain str


def state_document(
    state: dict[Key, CellState], sources: dict[Key, str] | None = None
) -> dict[str, Any]:
    """The document of a grid's current cells (see above), read back into frames without a
    Python loop per cell. Plain lists, str and numbers, so that it equals what decoding
    its JSON text gives: the store may keep it and skip that decoding."""
    if not state:
        return {
            "at": [],
            "files": [],
            "levels": {name: [] for name in _LEVEL_PARTS},
            "texts": {name: [] for name in _TEXT_PARTS},
        }
    keys, values = zip(*state.items(), strict=True)
    crits, cols = zip(*keys, strict=True)
    kinds, levels, texts, ats = zip(*values, strict=True)
    times = {at: i for i, at in enumerate(dict.fromkeys(ats))}
    codes = list(map(times.__getitem__, ats))
    origin = list(map((sources or {}).get, keys, repeat("")))
    files = {f: i for i, f in enumerate(dict.fromkeys(origin))}
    file_codes = list(map(files.__getitem__, origin))
    is_level = list(map(TEXT.__ne__, kinds))
    is_text = list(map(TEXT.__eq__, kinds))

    def pick(mask: list[bool], *series: Sequence[object]) -> list[list[object]]:
        return [list(compress(s, mask)) for s in series]

    level_parts = pick(is_level, crits, cols, kinds, levels, texts, codes, file_codes)
    return {
        "at": list(times),
        "files": list(files),
        "levels": dict(zip(_LEVEL_PARTS, level_parts, strict=True)),
        "texts": dict(
            zip(_TEXT_PARTS, pick(is_text, crits, cols, texts, codes, file_codes), strict=True)
        ),
    }


_LEVEL_PARTS = ("criterion", "column", "kind", "level", "text", "t", "f")
_TEXT_PARTS = ("criterion", "column", "text", "t", "f")


def json_text(doc: object) -> str:
    """``doc`` as JSON text, by orjson. A grid's two documents (its state, and what its file
    held) are encoded at every reading: at a cold sync, 1 100 of them took 0.28 s of the
    parent's CPU with the standard encoder, 0.05 s with orjson. The text is read back with
    ``json.loads``: the same JSON without spaces, integer keys (plan rows) as strings as
    ``json`` writes them."""
    return orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()


def read_state(stored: str) -> tuple[dict[Key, CellState], dict[Key, str]]:
    """A grid's current cells: (criterion, column) → (kind, level, text, recorded_at), and
    the file each came from ("" when not known: schema 1)."""
    doc = json.loads(stored)
    at = doc["at"]
    levels, texts = doc["levels"], doc["texts"]
    files = doc.get("files", [])
    sources: dict[Key, str] = {}
    for part in (levels, texts):
        if "f" in part:
            sources.update(
                zip(
                    zip(part["criterion"], part["column"], strict=True),
                    (files[i] for i in part["f"]),
                    strict=True,
                )
            )
    state = dict(
        zip(
            zip(levels["criterion"], levels["column"], strict=True),
            zip(
                levels["kind"],
                levels["level"],
                levels["text"],
                [at[i] for i in levels["t"]],
                strict=True,
            ),
            strict=True,
        )
    )
    for crit, col, text, t in zip(
        texts["criterion"], texts["column"], texts["text"], texts["t"], strict=True
    ):
        state[(crit, col)] = (AnswerKind.TEXT, None, text, at[t])
    return state, sources
