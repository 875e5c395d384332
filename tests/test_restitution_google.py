"""Restitutions on the Google backend: produced at their event, each shared with its own
structure (and the délégué·e·s), never with another structure's contacts."""

from __future__ import annotations

import datetime as dt

from capsync.jobs.restitution_request import request_restitutions
from capsync.workbook.refs import Kind
from tests.google_api.fixtures import GoogleApi
from tests.google_api.state import DriveFile

from .test_google_backend import NOW
from .test_google_sync import COLLECTIVE, DELEGATE, Synced, children, folder, synced  # noqa: F401


def own_folder(api: GoogleApi, structure: str) -> DriveFile:
    """« <collectif>/Structures/<nom> [<id>] »: what the structure receives."""
    holder = folder(api, "Structures", folder(api, COLLECTIVE).id)
    (found,) = [f for f in children(api, holder).values() if f.name.endswith(f"[{structure}]")]
    return found


CLOSED = dt.datetime(2026, 7, 2, 9, 0)  # the day after the test collectif's clôture
CONTACTS = {"aci-une": "direction@aci-une.fr", "ai-deux": "contact@ai-deux.fr"}


def test_the_close_produces_each_structure_s_restitution_shared_with_it_only(
    google_api: GoogleApi,
    synced: Synced,  # noqa: F811
) -> None:
    assert synced.cycle().ok  # 02/03/2026: no event, no restitution
    report = synced.cycle(minutes=int((CLOSED - NOW).total_seconds() // 60))
    assert report.ok, report.errors
    produced = [p for p in report.produced() if p.kind == Kind.RESTITUTION]
    assert sorted(p.structure for p in produced) == ["aci-une", "ai-deux"]
    assert {p.occasions for p in produced} == {("clôture de la campagne (le 01/07/2026)",)}
    for structure, contact in CONTACTS.items():
        kept = children(google_api, own_folder(google_api, structure))
        stem = "restitution-cloture-2026-07-02"
        names = [n for n in kept if stem in n]
        assert sorted(names) == sorted([f"{stem}.pdf", next(n for n in names if n.endswith("]"))])
        for name in names:
            readers = google_api.state.access(kept[name].id)  # inherited from the folders
            others = set(CONTACTS.values()) - {contact}
            assert readers.get(contact) == "reader", name
            assert not others & set(readers), name  # never another structure's contacts
            assert readers.get(DELEGATE) == "reader", name
            assert kept[name].permissions == [], name  # nothing granted file by file
        pdf = kept[f"{stem}.pdf"]
        assert pdf.content and pdf.content.startswith(b"%PDF")
    again = synced.cycle(minutes=int((CLOSED - NOW).total_seconds() // 60) + 15)
    assert again.ok and again.produced() == []  # the event is done: nothing rewritten


def test_a_request_on_google_keeps_the_earlier_restitution(
    google_api: GoogleApi,
    synced: Synced,  # noqa: F811
) -> None:
    assert synced.cycle().ok
    args = (synced.camp, synced.backend, synced.store, synced.state)
    first, _ = request_restitutions(*args, now=NOW, structure="ai-deux")
    second, locked = request_restitutions(*args, now=NOW, structure="ai-deux")
    assert locked == []
    assert [p.name for p in first + second] == [
        "restitution-2026-03-02",
        "restitution-2026-03-02-2",
    ]
    kept = children(google_api, own_folder(google_api, "ai-deux"))
    wanted = {f"restitution-2026-03-02{n}.pdf" for n in ("", "-2")}
    assert wanted <= set(kept)
