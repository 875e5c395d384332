"""Open the backend a configuration names."""

from __future__ import annotations

from capsync.backends.base import Backend
from capsync.backends.local import LocalBackend
from capsync.campaign.config import BackendKind
from capsync.campaign.validation import Campaign


def open_backend(campaign: Campaign) -> Backend:
    """The local folder by default; Google Drive when ``backend.kind`` is ``google``."""
    if campaign.config.backend.kind == BackendKind.GOOGLE:
        from capsync.backends.google.backend import GoogleBackend  # imported only where it is used

        return GoogleBackend.from_campaign(campaign)
    return LocalBackend(campaign.data_dir)
