-- Per-run metric rollup (issue "Nothing lost": 10,000 runs stay fast).
-- Every metric series (run, scope, name) is summarized in fixed buckets of
-- 64 steps (bucket = step >> 6, steps 64·bucket .. 64·bucket + 63): how many
-- rows fell in it and its first, min, max and last row (rowid, step, epoch,
-- value, t), "first" and "last" in (step, rowid) order, ties of min and max
-- keeping the earliest, exactly as the downsampler does. A run view or a
-- comparison of long runs reads these (a few rows per 64 points) instead of
-- every metric row (Store.metricsThinned, Store.metricsForCompare; the display
-- buckets are whole multiples of these, downsample.ts bucketizeByStep).
--
-- Kept by a trigger on every insert into metrics, whoever writes it (the job
-- runner, a bundle import, plain SQL); the upsert is order-independent.
-- Deleting metric rows does not touch it: Store.deleteMetricsAfter rebuilds
-- the run's buckets (Store.rebuildMetricBuckets); deleting a run cascades.
CREATE TABLE metric_buckets (
  run_id TEXT    NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  scope  TEXT    NOT NULL,
  name   TEXT    NOT NULL,
  bucket INTEGER NOT NULL,                   -- step >> 6
  n      INTEGER NOT NULL,                   -- rows in the bucket
  first_row INTEGER NOT NULL,
  first_step INTEGER NOT NULL,
  first_epoch INTEGER NOT NULL,
  first_value REAL NOT NULL,
  first_t REAL NOT NULL,
  min_row INTEGER NOT NULL,
  min_step INTEGER NOT NULL,
  min_epoch INTEGER NOT NULL,
  min_value REAL NOT NULL,
  min_t REAL NOT NULL,
  max_row INTEGER NOT NULL,
  max_step INTEGER NOT NULL,
  max_epoch INTEGER NOT NULL,
  max_value REAL NOT NULL,
  max_t REAL NOT NULL,
  last_row INTEGER NOT NULL,
  last_step INTEGER NOT NULL,
  last_epoch INTEGER NOT NULL,
  last_value REAL NOT NULL,
  last_t REAL NOT NULL,
  PRIMARY KEY (run_id, scope, name, bucket)
) WITHOUT ROWID;

-- The runs written before this migration (one pass over every metric row).
INSERT INTO metric_buckets
  SELECT run_id, scope, name, step >> 6, 1, rowid, step, epoch, value, t, rowid, step, epoch, value, t, rowid, step, epoch, value, t, rowid, step, epoch, value, t FROM metrics WHERE true
  ON CONFLICT DO UPDATE SET
    n = n + 1,
    first_row = CASE WHEN (excluded.first_step, excluded.first_row) < (first_step, first_row) THEN excluded.first_row ELSE first_row END,
    first_step = CASE WHEN (excluded.first_step, excluded.first_row) < (first_step, first_row) THEN excluded.first_step ELSE first_step END,
    first_epoch = CASE WHEN (excluded.first_step, excluded.first_row) < (first_step, first_row) THEN excluded.first_epoch ELSE first_epoch END,
    first_value = CASE WHEN (excluded.first_step, excluded.first_row) < (first_step, first_row) THEN excluded.first_value ELSE first_value END,
    first_t = CASE WHEN (excluded.first_step, excluded.first_row) < (first_step, first_row) THEN excluded.first_t ELSE first_t END,
    min_row = CASE WHEN excluded.min_value < min_value OR (excluded.min_value = min_value AND (excluded.min_step, excluded.min_row) < (min_step, min_row)) THEN excluded.min_row ELSE min_row END,
    min_step = CASE WHEN excluded.min_value < min_value OR (excluded.min_value = min_value AND (excluded.min_step, excluded.min_row) < (min_step, min_row)) THEN excluded.min_step ELSE min_step END,
    min_epoch = CASE WHEN excluded.min_value < min_value OR (excluded.min_value = min_value AND (excluded.min_step, excluded.min_row) < (min_step, min_row)) THEN excluded.min_epoch ELSE min_epoch END,
    min_value = CASE WHEN excluded.min_value < min_value OR (excluded.min_value = min_value AND (excluded.min_step, excluded.min_row) < (min_step, min_row)) THEN excluded.min_value ELSE min_value END,
    min_t = CASE WHEN excluded.min_value < min_value OR (excluded.min_value = min_value AND (excluded.min_step, excluded.min_row) < (min_step, min_row)) THEN excluded.min_t ELSE min_t END,
    max_row = CASE WHEN excluded.max_value > max_value OR (excluded.max_value = max_value AND (excluded.max_step, excluded.max_row) < (max_step, max_row)) THEN excluded.max_row ELSE max_row END,
    max_step = CASE WHEN excluded.max_value > max_value OR (excluded.max_value = max_value AND (excluded.max_step, excluded.max_row) < (max_step, max_row)) THEN excluded.max_step ELSE max_step END,
    max_epoch = CASE WHEN excluded.max_value > max_value OR (excluded.max_value = max_value AND (excluded.max_step, excluded.max_row) < (max_step, max_row)) THEN excluded.max_epoch ELSE max_epoch END,
    max_value = CASE WHEN excluded.max_value > max_value OR (excluded.max_value = max_value AND (excluded.max_step, excluded.max_row) < (max_step, max_row)) THEN excluded.max_value ELSE max_value END,
    max_t = CASE WHEN excluded.max_value > max_value OR (excluded.max_value = max_value AND (excluded.max_step, excluded.max_row) < (max_step, max_row)) THEN excluded.max_t ELSE max_t END,
    last_row = CASE WHEN (excluded.last_step, excluded.last_row) > (last_step, last_row) THEN excluded.last_row ELSE last_row END,
    last_step = CASE WHEN (excluded.last_step, excluded.last_row) > (last_step, last_row) THEN excluded.last_step ELSE last_step END,
    last_epoch = CASE WHEN (excluded.last_step, excluded.last_row) > (last_step, last_row) THEN excluded.last_epoch ELSE last_epoch END,
    last_value = CASE WHEN (excluded.last_step, excluded.last_row) > (last_step, last_row) THEN excluded.last_value ELSE last_value END,
    last_t = CASE WHEN (excluded.last_step, excluded.last_row) > (last_step, last_row) THEN excluded.last_t ELSE last_t END;

CREATE TRIGGER metrics_rollup AFTER INSERT ON metrics BEGIN
  INSERT INTO metric_buckets VALUES (NEW.run_id, NEW.scope, NEW.name, NEW.step >> 6, 1,
    NEW.rowid, NEW.step, NEW.epoch, NEW.value, NEW.t, NEW.rowid, NEW.step, NEW.epoch, NEW.value, NEW.t, NEW.rowid, NEW.step, NEW.epoch, NEW.value, NEW.t, NEW.rowid, NEW.step, NEW.epoch, NEW.value, NEW.t)
  ON CONFLICT DO UPDATE SET
    n = n + 1,
    first_row = CASE WHEN (excluded.first_step, excluded.first_row) < (first_step, first_row) THEN excluded.first_row ELSE first_row END,
    first_step = CASE WHEN (excluded.first_step, excluded.first_row) < (first_step, first_row) THEN excluded.first_step ELSE first_step END,
    first_epoch = CASE WHEN (excluded.first_step, excluded.first_row) < (first_step, first_row) THEN excluded.first_epoch ELSE first_epoch END,
    first_value = CASE WHEN (excluded.first_step, excluded.first_row) < (first_step, first_row) THEN excluded.first_value ELSE first_value END,
    first_t = CASE WHEN (excluded.first_step, excluded.first_row) < (first_step, first_row) THEN excluded.first_t ELSE first_t END,
    min_row = CASE WHEN excluded.min_value < min_value OR (excluded.min_value = min_value AND (excluded.min_step, excluded.min_row) < (min_step, min_row)) THEN excluded.min_row ELSE min_row END,
    min_step = CASE WHEN excluded.min_value < min_value OR (excluded.min_value = min_value AND (excluded.min_step, excluded.min_row) < (min_step, min_row)) THEN excluded.min_step ELSE min_step END,
    min_epoch = CASE WHEN excluded.min_value < min_value OR (excluded.min_value = min_value AND (excluded.min_step, excluded.min_row) < (min_step, min_row)) THEN excluded.min_epoch ELSE min_epoch END,
    min_value = CASE WHEN excluded.min_value < min_value OR (excluded.min_value = min_value AND (excluded.min_step, excluded.min_row) < (min_step, min_row)) THEN excluded.min_value ELSE min_value END,
    min_t = CASE WHEN excluded.min_value < min_value OR (excluded.min_value = min_value AND (excluded.min_step, excluded.min_row) < (min_step, min_row)) THEN excluded.min_t ELSE min_t END,
    max_row = CASE WHEN excluded.max_value > max_value OR (excluded.max_value = max_value AND (excluded.max_step, excluded.max_row) < (max_step, max_row)) THEN excluded.max_row ELSE max_row END,
    max_step = CASE WHEN excluded.max_value > max_value OR (excluded.max_value = max_value AND (excluded.max_step, excluded.max_row) < (max_step, max_row)) THEN excluded.max_step ELSE max_step END,
    max_epoch = CASE WHEN excluded.max_value > max_value OR (excluded.max_value = max_value AND (excluded.max_step, excluded.max_row) < (max_step, max_row)) THEN excluded.max_epoch ELSE max_epoch END,
    max_value = CASE WHEN excluded.max_value > max_value OR (excluded.max_value = max_value AND (excluded.max_step, excluded.max_row) < (max_step, max_row)) THEN excluded.max_value ELSE max_value END,
    max_t = CASE WHEN excluded.max_value > max_value OR (excluded.max_value = max_value AND (excluded.max_step, excluded.max_row) < (max_step, max_row)) THEN excluded.max_t ELSE max_t END,
    last_row = CASE WHEN (excluded.last_step, excluded.last_row) > (last_step, last_row) THEN excluded.last_row ELSE last_row END,
    last_step = CASE WHEN (excluded.last_step, excluded.last_row) > (last_step, last_row) THEN excluded.last_step ELSE last_step END,
    last_epoch = CASE WHEN (excluded.last_step, excluded.last_row) > (last_step, last_row) THEN excluded.last_epoch ELSE last_epoch END,
    last_value = CASE WHEN (excluded.last_step, excluded.last_row) > (last_step, last_row) THEN excluded.last_value ELSE last_value END,
    last_t = CASE WHEN (excluded.last_step, excluded.last_row) > (last_step, last_row) THEN excluded.last_t ELSE last_t END;
END;

-- A revision per run, for Store.listRuns's cache of built Run objects: any
-- change to a run's row or to its lineage gives it a new random revision
-- (random, not +1: a run deleted and imported again under the same id must
-- not look unchanged). Triggers, so writes from any process count.
ALTER TABLE runs ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET rev = random();
CREATE TRIGGER runs_rev_insert AFTER INSERT ON runs BEGIN
  UPDATE runs SET rev = random() WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER runs_rev_update AFTER UPDATE ON runs WHEN NEW.rev = OLD.rev BEGIN
  UPDATE runs SET rev = random() WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER run_parents_rev_insert AFTER INSERT ON run_parents BEGIN
  UPDATE runs SET rev = random() WHERE id IN (NEW.run_id, NEW.parent_id);
END;
CREATE TRIGGER run_parents_rev_delete AFTER DELETE ON run_parents BEGIN
  UPDATE runs SET rev = random() WHERE id IN (OLD.run_id, OLD.parent_id);
END;

-- The runs list filtered by kind or status, in creation order.
CREATE INDEX runs_kind ON runs(kind, created_at);
CREATE INDEX runs_status ON runs(status, created_at);
