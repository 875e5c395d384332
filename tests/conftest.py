from collections.abc import Iterator

import pytest

pytest_plugins = ["tests.google_api.fixtures"]


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The tests' YAML cache (capsync.campaign.yaml_cache) is theirs, not the user's
    ``~/.cache``: set for the session, so the commands the tests start inherit it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAPSYNC_CACHE_DIR", str(tmp_path_factory.mktemp("capsync-cache")))
        yield
