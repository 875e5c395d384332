"""The garbage collector is held off only inside the blocks that ask, and left as it was."""

from __future__ import annotations

import gc

import pytest

from capsync.collector import CYCLE_THRESHOLDS, fewer_collections, gc_paused


def test_fewer_collections_inside_and_the_thresholds_restored_after_an_error() -> None:
    was = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        assert gc.get_threshold() == CYCLE_THRESHOLDS
        raise RuntimeError("boom")
    assert gc.get_threshold() == was


def test_a_collector_turned_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
