"""The store opened to read only, for a data folder capsync may not write to.

Regional staff are often given the campaign's folder as a read-only share: they
may still ask ``capsync history`` what a structure's grid went through. The
store's normal open writes before anything is read (it may create the file,
migrate it, and notes when it was last checked), so it refuses such a folder;
this one opens the file read-only, writes nothing (no -wal or -shm file either)
and answers the same queries (:class:`~capsync.store.queries.StoreQueries`).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from capsync.errors import DataFolderError
from capsync.store.queries import StoreQueries
from capsync.store.safety import read_only_connection, storage_errors


class StoreReader(StoreQueries):
    """A store's queries on a connection that can write nothing."""

    conn: sqlite3.Connection

    def __init__(self, path: Path, schema_version: int):
        """``schema_version``: the store's one (:data:`capsync.store.database.SCHEMA_VERSION`);
        a file of another version cannot be migrated here, and is said so."""
        self.path = Path(path)
        with storage_errors(self.path):
            self.conn = read_only_connection(self.path)
            try:
                version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            except BaseException:
                self.conn.close()
                raise
        if version != schema_version:
            self.conn.close()
            raise DataFolderError(
                f"La base {self.path} est d'une autre version de capsync (schéma {version}, "
                f"celle-ci lit le schéma {schema_version}) et son dossier est en lecture "
                "seule : capsync ne peut pas la mettre à jour ici. Lancez « capsync sync » là "
                "où le dossier est modifiable, puis relancez la commande.",
                self.path,
            )

    def __enter__(self) -> StoreReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.conn.close()
