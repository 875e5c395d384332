"""Google's error answers, in the exact JSON shapes the two APIs use.

Sheets v4 (a gRPC-transcoded API) answers {"error": {"code", "message", "status"}};
Drive v3 answers {"error": {"code", "message", "errors": [{"domain", "reason", ...}]}}.
Client libraries branch on these fields (gspread reads error.status, googleapiclient
reads errors[0].reason), so the shapes are copied from recorded Google answers and from
Google's published reference.
"""

from __future__ import annotations

import json
from typing import Any

_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}

_DRIVE_REASON = {
    400: "badRequest",
    401: "authError",
    403: "forbidden",
    404: "notFound",
    429: "rateLimitExceeded",
    500: "internalError",
    503: "backendError",
}


_USAGE_REASONS = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "accessNotConfigured", "dailyLimitExceeded"}
)


class ApiError(Exception):
    """An error answer; the server turns it into a JSON body for the API that raised it."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        details: list[Any] | None = None,
        drive_reason: str | None = None,
        location: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.drive_reason = drive_reason or _DRIVE_REASON.get(code, "error")
        self.location = location

    def sheets_body(self) -> dict[str, Any]:
        """The Sheets v4 body: code, message, status (and details when Google adds them)."""
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "status": _STATUS.get(self.code, "UNKNOWN"),
        }
        if self.details:
            error["details"] = self.details
        return {"error": error}

    def drive_body(self) -> dict[str, Any]:
        """The Drive v3 body: code, message and the legacy errors[] list."""
        item: dict[str, Any] = {
            "message": self.message,
            "domain": "usageLimits" if self.drive_reason in _USAGE_REASONS else "global",
            "reason": self.drive_reason,
        }
        if self.location:
            item.update(locationType="parameter", location=self.location)
        return {"error": {"code": self.code, "message": self.message, "errors": [item]}}


def not_found() -> ApiError:
    """Sheets' answer for an unknown spreadsheet id."""
    return ApiError(404, "Requested entity was not found.")


def permission_denied() -> ApiError:
    """Sheets' answer for a spreadsheet that exists but is not shared with the caller."""
    return ApiError(403, "The caller does not have permission")


def drive_file_not_found(file_id: str) -> ApiError:
    """Drive's answer for an unknown (or deleted, or unshared) file id."""
    return ApiError(404, f"File not found: {file_id}.", drive_reason="notFound", location="fileId")


def bad_request(message: str) -> ApiError:
    """A 400 INVALID_ARGUMENT with Google's message text."""
    return ApiError(400, message)


def invalid_value(field: str, value: Any) -> ApiError:
    """Google's answer when a JSON field has the wrong type (e.g. values not a list)."""
    text = f"Invalid value at '{field}' (type.googleapis.com/google.protobuf.ListValue), " + (
        json.dumps(value, ensure_ascii=False)
    )
    violation = {"field": field, "description": text}
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [violation],
        }
    ]
    return ApiError(400, text, details=details)


def quota_exceeded(kind: str, service: str, limit: int, project: str = "0") -> ApiError:
    """Google's 429 for a per-minute-per-user quota (Sheets names it 'Read/Write requests')."""
    metric = f"{service}/{kind}_requests"
    quota_name = f"{kind.capitalize()}RequestsPerMinutePerUser"
    message = (
        f"Quota exceeded for quota metric '{kind.capitalize()} requests' and limit "
        f"'{kind.capitalize()} requests per minute per user' of service '{service}' "
        f"for consumer 'project_number:{project}'."
    )
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "quota_location": "global",
                "quota_metric": metric,
                "quota_limit": quota_name,
                "quota_limit_value": str(limit),
                "quota_unit": "1/min/{project}/{user}",
                "consumer": f"projects/{project}",
                "service": service,
            },
        },
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [
                {
                    "description": "Request a higher quota limit.",
                    "url": "https://cloud.google.com/docs/quotas/help/request_increase",
                }
            ],
        },
    ]
    return ApiError(429, message, details=details, drive_reason="rateLimitExceeded")


def rate_limited() -> ApiError:
    """Drive's 403 when one user sends too fast (Drive answers 403, not 429, for it)."""
    return ApiError(403, "User rate limit exceeded.", drive_reason="userRateLimitExceeded")


def service_disabled(service: str, project: str = "0") -> ApiError:
    """The answer of an API that is not enabled in the caller's Cloud project."""
    name = "Google Sheets API" if service.startswith("sheets") else "Google Drive API"
    message = (
        f"{name} has not been used in project {project} before or it is disabled. Enable it "
        f"by visiting https://console.developers.google.com/apis/api/{service}/overview?"
        f"project={project} then retry. If you enabled this API recently, wait a few minutes "
        "for the action to propagate to our systems and retry."
    )
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "SERVICE_DISABLED",
            "domain": "googleapis.com",
            "metadata": {"service": service, "consumer": f"projects/{project}"},
        }
    ]
    return ApiError(403, message, details=details, drive_reason="accessNotConfigured")
