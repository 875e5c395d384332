"""Google API clients (gspread for Sheets, googleapiclient for Drive) with a switchable
endpoint.

Production passes ``endpoint=None`` and talks to Google. Tests pass the URL of the
local test server: the very same client code then runs over real HTTP against it, so
what is tested is what ships. The redirection goes through the libraries' public seams
only -- a ``requests`` transport adapter mounted on the session gspread is given, and
googleapiclient's ``client_options.api_endpoint`` -- never by patching their internals.
"""

from __future__ import annotations

from typing import Any

import gspread
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession
from googleapiclient.discovery import build
from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")


class EndpointAdapter(HTTPAdapter):
    """Sends requests addressed to a Google host to `endpoint` instead (same path/query)."""

    def __init__(self, endpoint: str) -> None:
        super().__init__()
        self.endpoint = endpoint.rstrip("/")

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> Response:
        url = request.url or ""
        for host in GOOGLE_HOSTS:
            if url.startswith(host):
                request.url = self.endpoint + url[len(host) :]
                break
        return super().send(request, *args, **kwargs)


def authorized_session(credentials: Credentials, endpoint: str | None = None) -> AuthorizedSession:
    """An AuthorizedSession that, given an endpoint, sends Google-bound calls there."""
    session = AuthorizedSession(credentials)  # type: ignore[no-untyped-call]  # unannotated in google-auth
    if endpoint:
        adapter = EndpointAdapter(endpoint)
        for host in GOOGLE_HOSTS:
            session.mount(host, adapter)
    return session


def sheets_client(credentials: Credentials, endpoint: str | None = None) -> gspread.Client:
    """A gspread client; with `endpoint`, every Sheets and Drive call goes there."""
    if endpoint is None:
        return gspread.Client(auth=credentials)
    return gspread.Client(auth=credentials, session=authorized_session(credentials, endpoint))


def drive_service(credentials: Credentials, endpoint: str | None = None) -> Any:
    """A Drive v3 service from the discovery document bundled with googleapiclient.

    `api_endpoint` replaces Drive's whole base URL, so the service path is appended."""
    options = {"api_endpoint": f"{endpoint.rstrip('/')}/drive/v3/"} if endpoint else None
    return build(
        "drive",
        "v3",
        credentials=credentials,
        client_options=options,
        static_discovery=True,
        cache_discovery=False,
    )
