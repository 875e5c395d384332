"""Google's partial-response `fields` masks ("a,b/c,files(id,name)"), as pure functions.

Both APIs accept the same mask grammar in the `fields` query parameter, and Sheets also
uses it inside batchUpdate requests ("gridProperties/rowCount") to say which properties
to overwrite; one parser serves both uses.
"""

from __future__ import annotations

import copy
from typing import Any

Mask = dict[str, "Mask | None"]


def parse_mask(text: str) -> Mask:
    """Parse a fields mask into a tree; a None leaf selects the whole value."""
    mask, rest = _parse_list(text.replace(" ", ""), 0)
    if rest != len(text.replace(" ", "")):
        raise ValueError(f"bad fields mask: {text!r}")
    return mask


def _parse_list(text: str, pos: int) -> tuple[Mask, int]:
    mask: Mask = {}
    while pos < len(text) and text[pos] != ")":
        end = pos
        while end < len(text) and text[end] not in ",()":
            end += 1
        path = [part for part in text[pos:end].replace("/", ".").split(".") if part]
        sub: Mask | None = None
        pos = end
        if pos < len(text) and text[pos] == "(":
            sub, pos = _parse_list(text, pos + 1)
            pos += 1  # the closing parenthesis
        _insert(mask, path, sub)
        if pos < len(text) and text[pos] == ",":
            pos += 1
    return mask, pos


def _insert(mask: Mask, path: list[str], sub: Mask | None) -> None:
    node = mask
    for i, key in enumerate(path):
        last = i == len(path) - 1
        if last:
            if sub is None or node.get(key, {}) is None:
                node[key] = None
            else:
                existing = node.get(key) or {}
                node[key] = _merge(existing, sub)
            return
        child = node.get(key, {})
        if child is None:
            return
        node[key] = child
        node = child


def _merge(a: Mask, b: Mask) -> Mask:
    out = dict(a)
    for key, value in b.items():
        if key in out and out[key] is not None and value is not None:
            out[key] = _merge(out[key], value)  # type: ignore[arg-type]
        else:
            out[key] = None if key in out and out[key] is None else value
    return out


def apply_mask(value: Any, mask: Mask | None) -> Any:
    """The part of a JSON value a mask selects (lists are masked element by element)."""
    if mask is None or "*" in mask:
        return value
    if isinstance(value, list):
        return [apply_mask(item, mask) for item in value]
    if not isinstance(value, dict):
        return value
    return {key: apply_mask(value[key], sub) for key, sub in mask.items() if key in value}


def leaf_paths(mask: Mask, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every selected path of a mask, outermost first."""
    paths: list[tuple[str, ...]] = []
    for key, sub in mask.items():
        if sub is None:
            paths.append((*prefix, key))
        else:
            paths.extend(leaf_paths(sub, (*prefix, key)))
    return paths


def masked_update(target: dict[str, Any], source: dict[str, Any], fields: str) -> None:
    """Copy the masked fields from source into target; a masked field absent from source
    is cleared, which is how Google's update requests reset a property."""
    if fields.strip() == "*":
        target.clear()
        target.update(copy.deepcopy(source))
        return
    for path in leaf_paths(parse_mask(fields)):
        src: Any = source
        for key in path:
            src = src.get(key) if isinstance(src, dict) else None
        node = target
        for key in path[:-1]:
            node = node.setdefault(key, {})
        if src is None:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = copy.deepcopy(src)
