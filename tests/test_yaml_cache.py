"""An unchanged YAML file is not parsed again, and the cache can neither change nor run
anything: what it yields is what parsing would, or it is not used."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

from capsync.campaign.validation import load_campaign
from capsync.campaign.yaml_cache import cache_dir
from capsync.campaign.yaml_source import load_yaml
from capsync.errors import ValidationFailed

from .example_campaign import copy_example


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CAPSYNC_CACHE_DIR", str(folder))
    return folder / "yaml"


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.pickle")) if cache.is_dir() else []


def test_a_campaign_loaded_again_is_read_from_the_cache_and_equal(
    tmp_path: Path, cache: Path
) -> None:
    config = copy_example(tmp_path)
    first = load_campaign(config)
    assert len(_entries(cache)) >= 2  # the configuration and its référentiel, at least
    assert load_campaign(config) == first
    assert oct(cache.stat().st_mode & 0o777) == "0o700"


def test_the_entry_of_a_text_is_what_is_read_for_it(tmp_path: Path, cache: Path) -> None:
    """Rewriting the entry shows the file was not parsed again (and the key is the text)."""
    path = tmp_path / "a.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert load_yaml(path).data == {"a": 1}
    (entry,) = _entries(cache)
    entry.write_bytes(pickle.dumps(({"a": "from the cache"}, [])))
    assert load_yaml(path).data == {"a": "from the cache"}
    path.write_text("a: 2\n", encoding="utf-8")  # an edited file is parsed
    assert load_yaml(path).data == {"a": 2}


def test_a_file_changed_by_one_value_is_loaded_with_it(tmp_path: Path, cache: Path) -> None:
    config = copy_example(tmp_path)
    load_campaign(config)
    text = config.read_text(encoding="utf-8")
    first = load_campaign(config).config.collectives[0].name
    config.write_text(text.replace(f"name: {first}", "name: Collectif renommé", 1), "utf-8")
    assert load_campaign(config).config.collectives[0].name == "Collectif renommé"


def test_problems_are_the_same_from_the_cache(tmp_path: Path, cache: Path) -> None:
    """A key written twice, and a wrong value: same messages, same lines, cached or not."""
    config = copy_example(tmp_path)
    text = config.read_text(encoding="utf-8")
    text = text.replace("  late_days: 14\n", "  late_days: 14\n  late_days: beaucoup\n", 1)
    config.write_text(text, encoding="utf-8")
    messages = []
    for _ in range(2):
        with pytest.raises(ValidationFailed) as caught:
            load_campaign(config)
        messages.append([str(p) for p in caught.value.problems])
    assert messages[0] == messages[1]
    assert any("late_days" in m and ":19" in m for m in messages[0]), messages[0]


def test_a_planted_entry_runs_nothing(tmp_path: Path, cache: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    load_yaml(path)
    (entry,) = _entries(cache)
    witness = tmp_path / "ran"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {witness}",))

    entry.write_bytes(pickle.dumps(({"a": Payload()}, [])))
    assert load_yaml(path).data == {"a": 1}  # parsed again
    assert not witness.exists()


def test_a_damaged_entry_is_parsed_again(tmp_path: Path, cache: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("when: 2026-03-03\n", encoding="utf-8")
    first = load_yaml(path).data
    (entry,) = _entries(cache)
    entry.write_bytes(entry.read_bytes()[:10])
    assert load_yaml(path).data == first


def test_a_folder_others_can_write_is_not_used(tmp_path: Path, cache: Path) -> None:
    cache.mkdir(parents=True)
    cache.chmod(0o777)
    path = tmp_path / "a.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert load_yaml(path).data == {"a": 1}
    assert _entries(cache) == []


def test_an_unusable_cache_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("CAPSYNC_CACHE_DIR", str(blocker))
    config = copy_example(tmp_path / "c")
    assert load_campaign(config) == load_campaign(config)


def test_an_empty_setting_turns_the_cache_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPSYNC_CACHE_DIR", "")
    assert cache_dir() is None
    monkeypatch.delenv("CAPSYNC_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "capsync"


def test_old_entries_are_pruned(tmp_path: Path, cache: Path) -> None:
    path = tmp_path / "a.yaml"
    for i in range(40):
        path.write_text(f"a: {i}\n", encoding="utf-8")
        load_yaml(path)
    assert len(_entries(cache)) == 32
    assert load_yaml(path).data == {"a": 39}
    shutil.rmtree(cache)
