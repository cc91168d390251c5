-- Checkpoints and provenance (issue "Nothing lost").
-- The run's last complete end-of-epoch checkpoint (file relative to the data
-- folder), NULL when it has none (kinds that do not checkpoint, completed runs).
ALTER TABLE runs ADD COLUMN checkpoint_epoch  INTEGER;
ALTER TABLE runs ADD COLUMN checkpoint_path   TEXT;
ALTER TABLE runs ADD COLUMN checkpoint_bytes  INTEGER;
-- Bytes the run's folder takes on disk (weights, artifacts, checkpoint), as last measured.
ALTER TABLE runs ADD COLUMN disk_bytes        INTEGER;
-- JSON: Distillery version and commit, tfjs and backend versions, kernel switches, machine (contract/jobs.ts ProvenanceSchema).
ALTER TABLE runs ADD COLUMN provenance        TEXT;
