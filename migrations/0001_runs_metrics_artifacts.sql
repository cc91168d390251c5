-- Runs, their lineage, per-step/per-epoch metrics, artifacts and logs.
CREATE TABLE runs (
  id              TEXT PRIMARY KEY,
  kind            TEXT NOT NULL,             -- train | distill | ...
  status          TEXT NOT NULL CHECK (status IN ('queued','running','completed','failed','cancelled','interrupted')),
  name            TEXT,
  dataset         TEXT,
  model           TEXT,
  config          TEXT NOT NULL,             -- JSON, validated by the job's schema
  seed            INTEGER,
  backend         TEXT,
  device          TEXT,
  backend_version TEXT,
  owner_pid       INTEGER,                   -- process that drives the run; lets a crash be told from a live run
  created_at      TEXT NOT NULL,
  started_at      TEXT,
  finished_at     TEXT,
  error           TEXT,
  summary         TEXT NOT NULL DEFAULT '{}', -- JSON: test_accuracy, params, ...
  tags            TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
  note            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_created ON runs(created_at);

CREATE TABLE run_parents (
  run_id    TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  parent_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  role      TEXT NOT NULL,                   -- teacher | source | ...
  PRIMARY KEY (run_id, parent_id, role)
);
CREATE INDEX run_parents_parent ON run_parents(parent_id);

CREATE TABLE metrics (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  scope  TEXT NOT NULL CHECK (scope IN ('batch','epoch','final')),
  step   INTEGER NOT NULL,                   -- global batch index, epoch number, or 0 for final
  epoch  INTEGER NOT NULL,
  name   TEXT NOT NULL,
  value  REAL NOT NULL,
  t      REAL NOT NULL                       -- seconds since the run started
);
CREATE INDEX metrics_run ON metrics(run_id, scope, name, step);

CREATE TABLE artifacts (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id     TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL,                  -- model | image | ...
  name       TEXT NOT NULL,
  path       TEXT NOT NULL,                  -- relative to the data folder
  size       INTEGER NOT NULL,
  sha256     TEXT NOT NULL,
  meta       TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL
);
CREATE INDEX artifacts_run ON artifacts(run_id);

CREATE TABLE logs (
  run_id  TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  t       REAL NOT NULL,
  level   TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX logs_run ON logs(run_id, t);
