"""Open the backend a configuration names."""

from __future__ import annotations

from ..config import BackendKind
from ..validation import Campaign
from .base import Backend
from .local import LocalBackend


def open_backend(campaign: Campaign) -> Backend:
    """The local folder by default; Google Drive when ``backend.kind`` is ``google``."""
    if campaign.config.backend.kind == BackendKind.GOOGLE:
        from .google.backend import GoogleBackend  # imported only where it is used

        return GoogleBackend.from_campaign(campaign)
    return LocalBackend(campaign.data_dir)
