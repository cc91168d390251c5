-- Sweeps (issue "Sweeps"): a sweep is a run of kind 'sweep'; each of its
-- member runs names it, the setting it belongs to (0-based, in the order the
-- sweep expanded them) and its seed index k (its seed is the base seed + k).
ALTER TABLE runs ADD COLUMN sweep_id      TEXT;
ALTER TABLE runs ADD COLUMN sweep_setting INTEGER;
ALTER TABLE runs ADD COLUMN sweep_seed    INTEGER;
CREATE INDEX runs_sweep ON runs (sweep_id, sweep_setting, sweep_seed);
