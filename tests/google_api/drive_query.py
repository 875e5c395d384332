"""Drive v3 search queries (`q`), parsed into a predicate; pure functions.

Supported terms (https://developers.google.com/drive/api/guides/ref-search-terms), each
with only the operators that reference allows it:
name = / != / contains, mimeType = / != / contains, fullText contains,
'<id>' in parents, trashed = true|false, modifiedTime / createdTime with = != < <= > >=,
``appProperties has { key='k' and value='v' }`` (and ``properties has``), joined by
`and` / `or`, `not`, and parentheses. String literals may use single or double quotes
with backslash escapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\")|(?P<op><=|>=|!=|=|<|>)"
    r"|(?P<paren>[(){}])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)


class QueryError(ValueError):
    """Drive answers 400 "Invalid Value" (location q) for these."""


def tokenize(query: str) -> list[tuple[str, str]]:
    """(kind, text) tokens; strings come back unquoted and unescaped."""
    tokens = []
    pos = 0
    while pos < len(query):
        if query[pos:].strip() == "":
            break
        match = _TOKEN.match(query, pos)
        if not match:
            raise QueryError(query)
        pos = match.end()
        kind = match.lastgroup or ""
        text = match.group(kind)
        if kind == "str":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        tokens.append((kind, text))
    return tokens


def parse_query(query: str) -> Predicate:
    """A predicate over a file's full JSON (as DriveFile.to_json returns it)."""
    tokens = tokenize(query)
    predicate, pos = _or(tokens, 0)
    if pos != len(tokens):
        raise QueryError(query)
    return predicate


def _or(tokens: list[tuple[str, str]], pos: int) -> tuple[Predicate, int]:
    left, pos = _and(tokens, pos)
    while pos < len(tokens) and tokens[pos] == ("word", "or"):
        right, pos = _and(tokens, pos + 1)
        left = (lambda a, b: lambda f: a(f) or b(f))(left, right)
    return left, pos


def _and(tokens: list[tuple[str, str]], pos: int) -> tuple[Predicate, int]:
    left, pos = _term(tokens, pos)
    while pos < len(tokens) and tokens[pos] == ("word", "and"):
        right, pos = _term(tokens, pos + 1)
        left = (lambda a, b: lambda f: a(f) and b(f))(left, right)
    return left, pos


def _term(tokens: list[tuple[str, str]], pos: int) -> tuple[Predicate, int]:
    if pos >= len(tokens):
        raise QueryError("unexpected end of query")
    kind, text = tokens[pos]
    if (kind, text) == ("word", "not"):
        inner, pos = _term(tokens, pos + 1)
        return (lambda f: not inner(f)), pos
    if (kind, text) == ("paren", "("):
        inner, pos = _or(tokens, pos + 1)
        if pos >= len(tokens) or tokens[pos] != ("paren", ")"):
            raise QueryError("missing )")
        return inner, pos + 1
    if kind == "str" and pos + 2 < len(tokens) and tokens[pos + 1] == ("word", "in"):
        field = tokens[pos + 2][1]
        if field not in ("parents", "owners", "writers", "readers"):
            raise QueryError(field)
        return _membership(text, field), pos + 3
    if kind == "word" and text in ("appProperties", "properties"):
        return _has(tokens, pos + 1, text)
    if kind == "word" and pos + 2 < len(tokens) and tokens[pos + 1][0] in ("op", "word"):
        op = tokens[pos + 1][1]
        value_kind, value = tokens[pos + 2]
        return _comparison(text, op, value_kind, value), pos + 3
    raise QueryError(text)


def _has(tokens: list[tuple[str, str]], pos: int, field: str) -> tuple[Predicate, int]:
    """``<field> has { key='k' and value='v' }``: Drive's only form for custom properties."""
    shape: list[tuple[str, str | None]] = [
        ("word", "has"), ("paren", "{"), ("word", "key"), ("op", "="), ("str", None),
        ("word", "and"), ("word", "value"), ("op", "="), ("str", None), ("paren", "}"),
    ]  # fmt: skip
    found = tokens[pos : pos + len(shape)]
    if len(found) != len(shape) or any(
        kind != want[0] or (want[1] is not None and text != want[1])
        for (kind, text), want in zip(found, shape, strict=True)
    ):
        raise QueryError(field)
    key, value = found[4][1], found[8][1]
    return (lambda f: (f.get(field) or {}).get(key) == value), pos + len(shape)


def _membership(value: str, field: str) -> Predicate:
    if field == "parents":
        return lambda f: value in f.get("parents", [])
    if field == "owners":
        return lambda f: any(o.get("emailAddress") == value for o in f.get("owners", []))
    role = {"writers": ("writer", "owner"), "readers": ("reader", "commenter", "writer", "owner")}
    return lambda f: any(
        p.get("emailAddress") == value and p.get("role") in role[field]
        for p in f.get("permissions", [])
    )


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "contains": lambda a, b: b.lower() in a.lower(),
}


def _comparison(field: str, op: str, value_kind: str, value: str) -> Predicate:
    if op not in _OPS:
        raise QueryError(op)
    compare = _OPS[op]
    if field == "trashed":
        if value not in ("true", "false") or op not in ("=", "!="):
            raise QueryError(value)
        wanted = value == "true"
        return lambda f: compare(f.get("trashed", False), wanted)
    if field in ("modifiedTime", "createdTime"):
        if value_kind != "str":
            raise QueryError(value)
        moment = normalize_time(value)
        return lambda f: compare(normalize_time(f[field]), moment)
    if field in ("name", "mimeType", "fullText"):
        allowed = ("contains",) if field == "fullText" else ("=", "!=", "contains")
        if value_kind != "str" or op not in allowed:  # Drive: no ordering on text
            raise QueryError(value)
        key = "name" if field == "fullText" else field
        return lambda f: compare(f.get(key, ""), value)
    raise QueryError(field)


def normalize_time(text: str) -> str:
    """RFC 3339 to a sortable UTC form ("2024-01-01T00:00:00" -> "...00.000Z")."""
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1]
    elif re.search(r"[+-]00:00$", text):
        text = text[:-6]
    if "T" not in text:
        text += "T00:00:00"
    base, _, frac = text.partition(".")
    if len(base) == 16:
        base += ":00"
    return f"{base}.{(frac + '000')[:3]}Z"
