-- Placeholder: number 0005 is taken by the sweeps branch (developed in
-- parallel). This file only keeps the numbers contiguous on the scale
-- branch; at merge it is replaced by that branch's 0005 (or this branch's
-- 0006 is renumbered). It changes nothing.
SELECT 1;
