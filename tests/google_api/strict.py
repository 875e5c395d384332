"""Every request checked against Google's discovery documents before it is handled.

What Google's front end refuses before an API even looks at a request: query parameters
it cannot bind (unknown names, a string where a boolean goes, an enum value that does not
exist, a missing required parameter), bodies that do not parse into the request message
(unknown fields, wrong JSON types, int32 overflow, two members of one oneof), and `fields`
masks that name no field of the answer. The answers are Google's: Sheets' 400
INVALID_ARGUMENT with the field path in proto (snake_case) form, as in the recorded
``Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), "X"``,
and Drive's ``Invalid field selection …`` / ``Required parameter: …`` bodies.

A request the discovery documents do not describe is left to the handlers (which answer
404 or 400 as before); a valid request goes on unchanged.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from . import discovery, sheets_limits
from .errors import ApiError
from .fields import Mask, parse_mask

INT32 = (-(2**31), 2**31 - 1)
# Oneofs of the Sheets protos (the discovery documents do not mark them): schema -> (oneof
# name, members). A Request is one kind of update; a value one kind of value; and so on.
ONEOFS: dict[str, tuple[str, frozenset[str]]] = {
    "ExtendedValue": (
        "value",
        frozenset({"numberValue", "stringValue", "boolValue", "formulaValue", "errorValue"}),
    ),
    "ColorStyle": ("kind", frozenset({"rgbColor", "themeColor"})),
    "ConditionValue": ("value", frozenset({"relativeDate", "userEnteredValue"})),
    "ConditionalFormatRule": ("rule", frozenset({"booleanRule", "gradientRule"})),
    "UpdateCellsRequest": ("area", frozenset({"start", "range"})),
    "DataFilter": ("filter", frozenset({"developerMetadataLookup", "a1Range", "gridRange"})),
    "DeveloperMetadataLocation": (
        "location",
        frozenset({"spreadsheet", "sheetId", "dimensionRange"}),
    ),
    "ChartData": ("type", frozenset({"sourceRange", "columnReference"})),
    "ChartSpec": (
        "chart",
        frozenset(
            {
                "basicChart",
                "pieChart",
                "bubbleChart",
                "candlestickChart",
                "orgChart",
                "histogramChart",
                "waterfallChart",
                "treemapChart",
                "scorecardChart",
            }
        ),
    ),
}
# The proto enum behind a field, where Google names it in its message (else TYPE_ENUM).
ENUM_TYPES = {
    ("BasicChartSpec", "chartType"): "BasicChartType",
    ("BasicChartSpec", "legendPosition"): "BasicChartLegendPosition",
    ("CellFormat", "horizontalAlignment"): "HorizontalAlign",
    ("CellFormat", "verticalAlignment"): "VerticalAlign",
    ("CellFormat", "wrapStrategy"): "WrapStrategy",
    ("NumberFormat", "type"): "NumberFormatType",
    ("BooleanCondition", "type"): "ConditionType",
    ("DimensionRange", "dimension"): "Dimension",
    ("ValueRange", "majorDimension"): "Dimension",
    ("Border", "style"): "Style",
}
# Sheets methods whose HTTP body is one field of the request message, not all of it.
BODY_FIELD = {
    "spreadsheets.values.update": "data",
    "spreadsheets.values.append": "data",
    "spreadsheets.create": "spreadsheet",
}


def snake(name: str) -> str:
    """A JSON (camelCase) field name as Google's messages spell it (snake_case)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _Problems:
    """Every violation found in one request, reported together as Google does."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.items: list[tuple[str, str]] = []

    def unknown(self, path: str, key: str) -> None:
        where = f" at '{path}'" if path else ""
        self.items.append(
            (
                path,
                f'Invalid JSON payload received. Unknown name "{key}"{where}: Cannot find field.',
            )
        )

    def invalid(self, path: str, type_name: str, value: Any) -> None:
        self.items.append((path, f"Invalid value at '{path}' ({type_name}), {_show(value)}"))

    def error(self) -> ApiError | None:
        if not self.items:
            return None
        message = "\n".join(text for _, text in self.items)
        violations = [
            {"field": path, "description": text} if path else {"description": text}
            for path, text in self.items
        ]
        details = [
            {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": violations}
        ]
        return ApiError(400, message, details=details)


def _message_type(api: str, name: str) -> str:
    package = "google.apps.sheets.v4" if api == "sheets" else "google.apps.drive.v3"
    return f"type.googleapis.com/{package}.{name}"


def check_value(
    api: str,
    spec: dict[str, Any],
    value: Any,
    path: str,
    out: _Problems,
    owner: tuple[str, str] = ("", ""),
) -> None:
    """One JSON value against one discovery schema node (a $ref, scalar, array or map)."""
    if value is None:
        return  # JSON null leaves a field unset
    if "$ref" in spec:
        _check_message(api, spec["$ref"], value, path, out)
        return
    if "properties" in spec:  # a message declared inline (e.g. Permission.permissionDetails)
        _check_message(api, ".".join(owner), value, path, out, spec)
        return
    kind = spec.get("type")
    if kind == "array":
        items = spec.get("items", {})
        if not isinstance(value, list):
            out.invalid(path, _item_type(api, items), value)
            return
        for i, item in enumerate(value):
            check_value(api, items, item, f"{path}[{i}]", out, owner)
    elif kind == "object":
        if not isinstance(value, dict):
            out.invalid(path, "type.googleapis.com/google.protobuf.Struct", value)
            return
        extra = spec.get("additionalProperties")
        for key, item in value.items():
            if extra is not None:
                check_value(api, extra, item, f"{path}.{key}" if path else key, out)
    elif kind is not None and kind != "any":
        _check_scalar(api, spec, value, path, out, owner)


def _item_type(api: str, items: dict[str, Any]) -> str:
    if "$ref" in items:
        return _message_type(api, items["$ref"])
    if items.get("type") in ("array", "any"):
        return "type.googleapis.com/google.protobuf.ListValue"
    return _scalar_type(items)


def _scalar_type(spec: dict[str, Any]) -> str:
    kind, fmt = spec.get("type"), spec.get("format")
    if "enum" in spec:
        return "TYPE_ENUM"
    if kind == "boolean":
        return "TYPE_BOOL"
    if kind == "integer":
        return "TYPE_UINT32" if fmt == "uint32" else "TYPE_INT32"
    if kind == "number":
        return "TYPE_FLOAT" if fmt == "float" else "TYPE_DOUBLE"
    if fmt in ("int64", "uint64"):
        return f"TYPE_{fmt.upper()}"
    return "TYPE_STRING"


def _check_scalar(
    api: str, spec: dict[str, Any], value: Any, path: str, out: _Problems, owner: tuple[str, str]
) -> None:
    kind, fmt = spec.get("type"), spec.get("format")
    type_name = _scalar_type(spec)
    if "enum" in spec:
        if not isinstance(value, str) or value not in spec["enum"]:
            name = ENUM_TYPES.get(owner)
            out.invalid(path, _message_type(api, name) if name else type_name, value)
        return
    ok = True
    if kind == "boolean":
        ok = isinstance(value, bool)
    elif kind == "integer":
        low, high = (0, 2**32 - 1) if fmt == "uint32" else INT32
        number = _integral(value)
        ok = number is not None and low <= number <= high
    elif kind == "number":
        ok = _number(value)
    elif fmt in ("int64", "uint64"):
        ok = _integral(value) is not None
    elif kind == "string":
        ok = isinstance(value, str)
    if not ok:
        out.invalid(path, type_name, value)


def _integral(value: Any) -> int | None:
    """An integer as proto JSON accepts it: a number with no fraction, or such a string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def _number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return value in ("NaN", "Infinity", "-Infinity")
        return True
    return False


def _check_message(
    api: str, name: str, value: Any, path: str, out: _Problems, inline: dict[str, Any] | None = None
) -> None:
    schema = inline if inline is not None else discovery.schemas(api)[name]
    if not isinstance(value, dict):
        out.invalid(path, _message_type(api, name), value)
        return
    properties = schema.get("properties", {})
    oneof = ONEOFS.get(name) if api == "sheets" else None
    if name == "Request" and api == "sheets":
        oneof = ("kind", frozenset(properties))
    chosen: str | None = None
    for key, item in value.items():
        if key not in properties:
            out.unknown(path, key)
            continue
        if oneof and key in oneof[1] and item is not None:
            if chosen is not None:
                out.items.append(
                    (
                        path,
                        f"Invalid value at '{path}' (oneof), oneof field "
                        f"'{oneof[0]}' is already set. Cannot set '{key}'",
                    )
                )
                continue
            chosen = key
        child = f"{path}.{snake(key)}" if path else snake(key)
        check_value(api, properties[key], item, child, out, (name, key))


def check_body(method: discovery.Method, body: Any) -> ApiError | None:
    """The request body against the method's request schema."""
    if method.request is None or body in (None, {}, b""):
        return None
    out = _Problems(method.api)
    root = BODY_FIELD.get(method.name, "") if method.api == "sheets" else ""
    _check_message(method.api, method.request, body, root, out)
    error = out.error()
    if error is not None and method.api == "drive":
        error.drive_reason = "badRequest"
    return error


def check_file_metadata(metadata: dict[str, Any]) -> ApiError | None:
    """The metadata part of a Drive media upload: a File resource like any body."""
    out = _Problems("drive")
    _check_message("drive", "File", metadata, "", out)
    error = out.error()
    if error is not None:
        error.drive_reason = "badRequest"
    return error


def check_params(method: discovery.Method, params: dict[str, Any]) -> ApiError | None:
    """Query parameters: known names, types and enums; required ones present."""
    known = {**discovery.global_parameters(method.api), **method.parameters}
    out = _Problems(method.api)
    for name, value in params.items():
        spec = known.get(name)
        if spec is None:
            if method.api == "sheets":
                out.items.append(
                    (
                        "",
                        f'Invalid JSON payload received. Unknown name "{name}": '
                        f"Cannot bind query parameter. Field '{name}' could not "
                        "be found in request message.",
                    )
                )
            continue
        if spec.get("location") == "path":
            continue
        for item in value if isinstance(value, list) else [value]:
            problem = _param_problem(spec, item)
            if problem is None:
                continue
            if method.api == "drive":
                return ApiError(400, "Invalid Value", drive_reason="invalid", location=name)
            out.invalid(snake(name), problem, item)
    for name, spec in method.parameters.items():
        if spec.get("required") and spec.get("location") == "query" and name not in params:
            if method.api == "drive":
                return ApiError(
                    400, f"Required parameter: {name}", drive_reason="required", location=name
                )
            out.items.append((snake(name), f"'{name}' is required but not specified"))
    return out.error()


def _param_problem(spec: dict[str, Any], text: str) -> str | None:
    """The type Google could not bind a query string to (None: it binds)."""
    if "enum" in spec and text not in spec["enum"]:
        return "TYPE_ENUM"
    kind = spec.get("type")
    if kind == "boolean" and text not in ("true", "false", "True", "False", "1", "0"):
        return "TYPE_BOOL"
    if kind == "integer":
        number = _integral(text)
        if number is None or not INT32[0] <= number <= INT32[1]:
            return "TYPE_INT32"
    return None


def check_fields(method: discovery.Method, params: dict[str, Any]) -> ApiError | None:
    """The `fields` mask against the method's response schema."""
    text = params.get("fields")
    if not text or method.response is None:
        return None
    bad: str | None = None
    if method.api == "sheets":
        spaced = [part for part in re.split(r"[,()]", text) if part != part.strip()]
        bad = spaced[0] if spaced else None
    if bad is None:
        try:
            mask = parse_mask(text)
        except ValueError:
            bad = text
        else:
            bad = _mask_problem(method.api, {"$ref": method.response}, mask, "")
    if bad is None:
        return None
    if method.api == "drive":
        return ApiError(
            400,
            f"Invalid field selection {bad.rpartition('.')[2]}",
            drive_reason="invalidParameter",
            location="fields",
        )
    text = f"Error expanding 'fields' parameter. Cannot find matching fields for path '{bad}'."
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [{"field": "fields", "description": text}],
        }
    ]
    return ApiError(400, "Request contains an invalid argument.", details=details)


def _mask_problem(api: str, spec: dict[str, Any], mask: Mask, prefix: str) -> str | None:
    """The first masked path the schema does not have (None: every path exists)."""
    while spec.get("type") == "array":
        spec = spec.get("items", {})
    if "$ref" in spec:
        properties = discovery.schemas(api)[spec["$ref"]].get("properties", {})
    elif "properties" in spec:
        properties = spec["properties"]
    elif spec.get("type") == "object" and "additionalProperties" in spec:
        return None  # a map: any key may be selected
    else:
        return None if spec.get("type") == "any" else prefix or None
    for key, sub in mask.items():
        path = f"{prefix}.{key}" if prefix else key
        if key == "*":
            continue
        if key not in properties:
            return path
        if sub is not None:
            found = _mask_problem(api, properties[key], sub, path)
            if found is not None:
                return found
    return None


def check(http_method: str, path: str, params: dict[str, Any], body: Any) -> None:
    """Raise Google's 400 for a request the discovery documents say it would refuse, or
    that breaks one of Sheets' documented limits."""
    found = discovery.find(http_method, path)
    if found is None:
        return
    method, _ = found
    for problem in (
        check_body(method, body),
        check_params(method, params),
        check_fields(method, params),
    ):
        if problem is not None:
            raise problem
    if method.api == "sheets":
        sheets_limits.check_request(method.name, body)
