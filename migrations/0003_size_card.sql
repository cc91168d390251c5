-- Size card of a run's model (src-main/compare/size-card.ts): parameter
-- counts, bytes as stored, MicroNet cost and score, inference latency.
-- All NULL until computed; latency may be measured later than the run.
ALTER TABLE runs ADD COLUMN params                 INTEGER;
ALTER TABLE runs ADD COLUMN nonzero_params         INTEGER;
ALTER TABLE runs ADD COLUMN float32_bytes          INTEGER;
ALTER TABLE runs ADD COLUMN stored_bytes           INTEGER;
ALTER TABLE runs ADD COLUMN micronet_storage_fp32  REAL;
ALTER TABLE runs ADD COLUMN micronet_storage_fp16  REAL;
ALTER TABLE runs ADD COLUMN micronet_ops_mult      INTEGER;
ALTER TABLE runs ADD COLUMN micronet_ops_add       INTEGER;
ALTER TABLE runs ADD COLUMN micronet_score         REAL;   -- vs the seed teacher at 32 bits
ALTER TABLE runs ADD COLUMN latency_b1_ms          REAL;   -- ms per image at batch 1
ALTER TABLE runs ADD COLUMN latency_b64_ms         REAL;   -- ms per image at batch 64
ALTER TABLE runs ADD COLUMN latency_backend        TEXT;
ALTER TABLE runs ADD COLUMN latency_measured_at    TEXT;
ALTER TABLE runs ADD COLUMN latency_later          INTEGER; -- 1 if measured after the run, on first open
