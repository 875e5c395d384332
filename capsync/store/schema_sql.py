"""The store's SQL: the schema a new store is created with, and the steps that bring an
older store to it (one list of statements per version, run in turn by ``Store._migrate``).

Kept apart from :mod:`capsync.store.database` so that the class that opens, checks and
writes the store reads as code, not as DDL.
"""

from __future__ import annotations

from capsync.store.campaigns import CAMPAIGN_TABLES

SCHEMA = """
CREATE TABLE readings (
    id INTEGER PRIMARY KEY, run_id INTEGER, collective TEXT NOT NULL, structure TEXT NOT NULL,
    source TEXT NOT NULL, version_token TEXT, content_hash TEXT, recorded_at TEXT NOT NULL);
CREATE INDEX readings_structure ON readings(structure);
CREATE TABLE answers (
    id INTEGER PRIMARY KEY, reading_id INTEGER NOT NULL REFERENCES readings(id),
    criterion TEXT NOT NULL, column_key TEXT NOT NULL, kind TEXT NOT NULL, level REAL,
    text TEXT, sheet TEXT, cell TEXT, removed INTEGER NOT NULL DEFAULT 0);
CREATE INDEX answers_reading ON answers(reading_id);
CREATE TABLE actions (
    id INTEGER PRIMARY KEY, reading_id INTEGER NOT NULL REFERENCES readings(id),
    row INTEGER NOT NULL, criterion TEXT, action TEXT, responsable TEXT, echeance TEXT,
    echeance_text TEXT, statut TEXT, commentaire TEXT, sheet TEXT, cells TEXT,
    removed INTEGER NOT NULL DEFAULT 0, niveau_vise TEXT, origine TEXT);
CREATE INDEX actions_reading ON actions(reading_id);
CREATE TABLE anomalies (
    id INTEGER PRIMARY KEY, collective TEXT NOT NULL, structure TEXT NOT NULL, source TEXT,
    sheet TEXT, cell TEXT, value TEXT, message TEXT, found_at TEXT NOT NULL,
    cleared INTEGER NOT NULL DEFAULT 0, kind TEXT NOT NULL DEFAULT 'other');
CREATE INDEX anomalies_structure ON anomalies(structure);
CREATE TABLE sources (
    collective TEXT NOT NULL, structure TEXT NOT NULL, source TEXT, version_token TEXT,
    content_hash TEXT, read_at TEXT, PRIMARY KEY (collective, structure)) WITHOUT ROWID;
CREATE TABLE runs (
    id INTEGER PRIMARY KEY, command TEXT, collective TEXT, started_at TEXT, finished_at TEXT,
    summary TEXT);
CREATE TABLE cur_answers (
    collective TEXT NOT NULL, structure TEXT NOT NULL, state TEXT NOT NULL,
    PRIMARY KEY (collective, structure)) WITHOUT ROWID;
CREATE TABLE cur_actions (
    collective TEXT NOT NULL, structure TEXT NOT NULL, row INTEGER NOT NULL, criterion TEXT,
    action TEXT, responsable TEXT, echeance TEXT, echeance_text TEXT, statut TEXT,
    commentaire TEXT, sheet TEXT, cells TEXT, action_id INTEGER NOT NULL,
    recorded_at TEXT NOT NULL, file_key TEXT, niveau_vise TEXT, origine TEXT,
    PRIMARY KEY (collective, structure, row)) WITHOUT ROWID;
CREATE TABLE cur_anomalies (
    anomaly_id INTEGER PRIMARY KEY, collective TEXT NOT NULL, structure TEXT NOT NULL,
    source TEXT, sheet TEXT, cell TEXT, value TEXT, message TEXT, found_at TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'other');
CREATE INDEX cur_anomalies_structure ON cur_anomalies(collective, structure);
CREATE TABLE files (
    collective TEXT NOT NULL, structure TEXT NOT NULL, file_key TEXT NOT NULL,
    cells TEXT NOT NULL, actions TEXT, version_token TEXT, content_hash TEXT, seen_at TEXT,
    PRIMARY KEY (collective, structure, file_key)) WITHOUT ROWID;
CREATE VIEW answer_log AS
    SELECT a.id, r.collective, r.structure, a.criterion, a.column_key AS "column", a.kind,
           a.level, a.text, r.source, a.sheet, a.cell, r.recorded_at, a.removed
    FROM answers a JOIN readings r ON r.id = a.reading_id;
CREATE VIEW action_log AS
    SELECT a.id, r.collective, r.structure, a.row, a.criterion, a.action, a.responsable,
           a.echeance, a.echeance_text, a.statut, a.commentaire, r.source, a.sheet, a.cells,
           r.recorded_at, a.removed, a.niveau_vise, a.origine
    FROM actions a JOIN readings r ON r.id = a.reading_id;
"""

CUR_TABLE = "CREATE TABLE cur_answers"
# schema 4: the campaigns tables
SCHEMA = SCHEMA.replace(CUR_TABLE, ";".join([*CAMPAIGN_TABLES, CUR_TABLE]), 1)

# Schema 1 → 2: anomalies get a kind (older ones read as « other »), and each file read is
# remembered as what capsync last saw in it (see capsync.store.ownership): a store's grid in
# place is taken as having shown exactly its current state, so pulls go on as before.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        "ALTER TABLE anomalies ADD COLUMN kind TEXT NOT NULL DEFAULT 'other'",
        "ALTER TABLE cur_anomalies ADD COLUMN kind TEXT NOT NULL DEFAULT 'other'",
        "ALTER TABLE cur_actions ADD COLUMN file_key TEXT",
        SCHEMA[SCHEMA.index("CREATE TABLE files") : SCHEMA.index("CREATE VIEW answer_log")],
        """INSERT INTO files (collective, structure, file_key, cells, actions, version_token,
                              content_hash, seen_at)
           SELECT s.collective, s.structure, s.source, coalesce(c.state, '{}'), NULL,
                  s.version_token, s.content_hash, s.read_at
           FROM sources s LEFT JOIN cur_answers c
                ON c.collective = s.collective AND c.structure = s.structure
           WHERE s.source IS NOT NULL""",
    ],
    # 2 → 3: plan rows get a target level and an origin (older rows: none, « structure »)
    2: [
        *(f"ALTER TABLE {t} ADD COLUMN {c} TEXT" for t in ("actions", "cur_actions")
          for c in ("niveau_vise", "origine")),
        "DROP VIEW action_log",
        SCHEMA[SCHEMA.index("CREATE VIEW action_log") :],
    ],
    3: CAMPAIGN_TABLES,  # 3 → 4: campaigns; earlier readings are the first one's
}  # fmt: skip
