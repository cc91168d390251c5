// Published vs measured for a reproduction recipe: which number of which
// step run stands for which published number, and whether each claim holds.
// Pure (shared by the service, which writes report.json / report.html, and
// the workbench, which shows them). Published numbers come only from
// `contract/references.ts`.
import type { Run } from '../api.js';
import { REFERENCES, type PublishedNumber, type ReferenceId } from '../references.js';
import { QUICK, REPRODUCTIONS } from '../recipes/reproduce.js';

export interface ReproRow extends PublishedNumber {
  verified: boolean;
  measured: number | null;
  /** Where the measured number comes from ("run ab12cd34 test_accuracy"), or why there is none. */
  from: string;
}

export interface MeasuredOnly {
  label: string;
  value: number | null;
  from: string;
}

export interface ClaimRow {
  claim: string;
  holds: boolean | null;
  evidence: string;
}

export interface ReproStep {
  label: string;
  runId: string;
  kind: string;
  model: string | null;
  status: string;
  config: Record<string, unknown>;
}

export interface ReproReport {
  recipe: string;
  reference: { id: string; citation: string; title: string; where: string; setting: string };
  quick: boolean;
  /** Present on a --quick run: it is a smoke run, not a reproduction. */
  smoke?: string;
  rows: ReproRow[];
  measuredOnly: MeasuredOnly[];
  claims: ClaimRow[];
  steps: ReproStep[];
  differences: string[];
}

type M = Record<string, { value: number | null; from: string }>;

const num = (r: Run | undefined, key: string): number | null => {
  const v = r?.summary[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};
const pick = (r: Run | undefined, key: string, f: (v: number) => number = (v) => v) => {
  const v = num(r, key);
  return { value: v === null ? null : f(v), from: r ? `run ${r.id} ${key}` : 'step did not run' };
};
/** Test images a classifier run was scored on. */
const testCount = (r: Run) => num(r, 'test_images') ?? (typeof r.config.testLimit === 'number' ? Math.min(r.config.testLimit, 10_000) : 10_000);
const errors = (r: Run | undefined) => {
  const a = num(r, 'test_accuracy');
  return { value: r && a !== null ? Math.round((1 - a) * testCount(r)) : null, from: r ? `run ${r.id} (1 − test_accuracy) × ${testCount(r)} test images` : 'step did not run' };
};
const errPct = (r: Run | undefined) => pick(r, 'test_accuracy', (a) => (1 - a) * 100);
const notRun = (why: string) => ({ value: null, from: `not measured: ${why}` });

interface Measure {
  measured: M;
  measuredOnly?: MeasuredOnly[];
  claims: (m: M, runs: (Run | undefined)[]) => ClaimRow[];
}

function kdMeasure(runs: (Run | undefined)[], keras = false): Measure {
  const [teacher, distilled, alone] = runs;
  const m: M = { teacher_test_accuracy: pick(teacher, 'test_accuracy'), distilled_test_accuracy: pick(distilled, 'test_accuracy'), student_test_accuracy: pick(alone, 'test_accuracy') };
  if (keras) {
    m.teacher_test_accuracy_keras3 = m.teacher_test_accuracy;
    m.student_test_accuracy_keras3 = m.student_test_accuracy;
    m.distilled_test_accuracy_keras3 = m.distilled_test_accuracy;
    const alpha = distilled?.config.alpha;
    m.keras_alpha = { value: typeof alpha === 'number' ? +(1 - alpha).toFixed(6) : null, from: `1 − our α (${alpha}, the weight of the soft targets) = Keras's alpha (the weight of the hard labels)` };
    m.temperature = { value: typeof distilled?.config.temperature === 'number' ? distilled.config.temperature : null, from: distilled ? `run ${distilled.id} config temperature` : 'step did not run' };
  }
  return {
    measured: m,
    claims: (mm) => {
      const d = mm.distilled_test_accuracy.value;
      const s = mm.student_test_accuracy.value;
      const holds = d === null || s === null ? null : keras ? d >= s : d > s;
      return [{ claim: REFERENCES[keras ? 'keras-kd-example' : 'seed-kd'].claims[0], holds, evidence: `distilled ${fmt(d)} vs alone ${fmt(s)}` }];
    },
  };
}

const fmt = (v: number | null, digits = 4) => (v === null ? '–' : String(+v.toFixed(digits)));

function deepCompressionMeasure(ref: 'deep-compression-lenet300' | 'deep-compression-lenet5', runs: (Run | undefined)[]): Measure {
  const [base, pruned, clustered, score] = runs;
  const layers = ref === 'deep-compression-lenet300' ? ['FC1', 'FC2', 'logits'] : ['Conv1', 'Conv2', 'FC1', 'logits'];
  const m: M = {
    baseline_error_pct: errPct(base),
    compressed_error_pct: errPct(score),
    original_kb: pick(score, 'original_bytes', (b) => b / 1000),
    compressed_kb: pick(score, 'compressed_bytes', (b) => b / 1000),
    compression_ratio: pick(score, 'compression_ratio'),
    compression_ratio_no_huffman: pick(score, 'compression_ratio_no_huffman'),
    density_total: { value: pruned && num(pruned, 'nonzero_params') !== null && num(pruned, 'params') ? num(pruned, 'nonzero_params')! / num(pruned, 'params')! : null, from: pruned ? `run ${pruned.id} nonzero_params / params (biases included)` : 'step did not run' },
    index_bits: { value: 5, from: 'our setting: 5-bit index gaps in the score step' },
    pruned_error_pct: errPct(pruned),
    pruned_params: pick(pruned, 'nonzero_params'),
  };
  for (const l of layers) m[`density_${l}`] = pick(pruned, `sparsity_${l}`, (s) => 1 - s);
  if (ref === 'deep-compression-lenet300') m.weight_bits = pick(clustered, 'bits_FC1');
  else {
    m.conv_bits = pick(clustered, 'bits_Conv1');
    m.fc_bits = pick(clustered, 'bits_FC1');
  }
  return {
    measured: m,
    measuredOnly: [
      { label: 'Error after clustering (before scoring), %', ...errPct(clustered) },
      { label: 'Accuracy right after k-means, before centroid fine-tuning', ...pick(clustered, 'accuracy_after_clustering') },
      { label: 'MicroNet score against the trained baseline', ...pick(score, 'micronet_score') },
    ],
    claims: (mm) => {
      const pub = REFERENCES[ref].numbers.find((n) => n.key === 'compression_ratio')!.value;
      const r = mm.compression_ratio.value;
      const b = mm.baseline_error_pct.value;
      const c = mm.compressed_error_pct.value;
      const holds = r === null || b === null || c === null ? null : r >= 0.75 * pub && c <= b + 0.3;
      return [{ claim: REFERENCES[ref].claims[0], holds, evidence: `measured ${fmt(r, 1)}× (holds if ≥ 75 % of ${pub}×) and error ${fmt(c, 2)} % vs baseline ${fmt(b, 2)} % (holds if at most 0.3 points worse)` }];
    },
  };
}

function dirvaeMeasure(runs: (Run | undefined)[]): Measure {
  const [g10, d10, g50, d50] = runs;
  const pairs: [number, Run | undefined, Run | undefined][] = [[10, g10, d10], [50, g50, d50]];
  return {
    measured: {
      prior_alpha: { value: typeof d10?.config.priorAlpha === 'number' ? d10.config.priorAlpha : null, from: d10 ? `run ${d10.id} config priorAlpha` : 'step did not run' },
      latent_size_a: { value: 50, from: 'our setting (we also run 10)' },
      latent_size_b: notRun('latent size 100 is not run (time)'),
    },
    measuredOnly: pairs.flatMap(([k, g, d]) => [
      { label: `Gaussian VAE, latent ${k}: test NLL (nats)`, ...pick(g, 'test_nll') },
      { label: `Dirichlet VAE, latent ${k}: test NLL (nats)`, ...pick(d, 'test_nll') },
      { label: `Gaussian VAE, latent ${k}: active dims`, ...pick(g, 'active_dims') },
      { label: `Dirichlet VAE, latent ${k}: active dims`, ...pick(d, 'active_dims') },
    ]),
    claims: () =>
      pairs.flatMap(([k, g, d]) => {
        const gn = num(g, 'test_nll');
        const dn = num(d, 'test_nll');
        const ga = num(g, 'active_dims');
        const da = num(d, 'active_dims');
        const [c1, c2] = REFERENCES['dirvae-vs-gvae'].claims;
        return [
          { claim: `${c1} (latent ${k})`, holds: gn === null || dn === null ? null : dn < gn, evidence: `NLL Dirichlet ${fmt(dn, 2)} vs Gaussian ${fmt(gn, 2)}` },
          { claim: `${c2} (latent ${k})`, holds: ga === null || da === null ? null : da >= ga, evidence: `active dims Dirichlet ${fmt(da)} vs Gaussian ${fmt(ga)} of ${k}` },
        ];
      }),
  };
}

function hintonMeasure(runs: (Run | undefined)[]): Measure {
  const [teacher, distilled, alone, omit3] = runs;
  return {
    measured: {
      teacher_test_errors: errors(teacher),
      distilled_test_errors: errors(distilled),
      student_test_errors: errors(alone),
      // The omit-3s student's job counts its test errors itself (before and after the bias correction).
      omit3_test_errors: pick(omit3, 'test_errors'),
      omit3_test_3s: pick(omit3, 'test_images_omitted'),
      omit3_errors_on_3s: pick(omit3, 'test_errors_omitted'),
      omit3_bias_offset: pick(omit3, 'bias_offset'),
      omit3_bias_test_errors: pick(omit3, 'test_errors_corrected'),
      omit3_bias_errors_on_3s: pick(omit3, 'test_errors_omitted_corrected'),
    },
    measuredOnly: [
      { label: "Omit-3s student with the paper's fixed +3.5 on the 3-class bias (the paper chose it on the test set; comparison only): test errors", ...pick(omit3, 'test_errors_fixed_offset') },
      { label: '… of which on 3s', ...pick(omit3, 'test_errors_omitted_fixed_offset') },
      { label: 'Omit-3s student: training images of 3s removed from its transfer set', ...pick(omit3, 'omitted_train_images') },
      { label: 'Omit-3s student: held-out training images the offset was chosen on', ...pick(omit3, 'holdout_images') },
      { label: 'Omit-3s student: held-out errors before the correction', ...pick(omit3, 'holdout_errors') },
      { label: 'Omit-3s student: held-out errors after the correction', ...pick(omit3, 'holdout_errors_corrected') },
    ],
    claims: (m) => {
      const t = m.teacher_test_errors.value;
      const d = m.distilled_test_errors.value;
      const s = m.student_test_errors.value;
      // "Far fewer, close to the teacher": the distilled student closes at least half the gap between the student alone and the teacher.
      const holds = t === null || d === null || s === null ? null : d < s && s - d >= (s - t) / 2;
      // "Most 3s right": at least 90 % of the test 3s after the correction (the paper: 98.6 %), and fewer errors in all than before it.
      const e3 = m.omit3_bias_errors_on_3s.value;
      const n3 = m.omit3_test_3s.value;
      const before = m.omit3_test_errors.value;
      const after = m.omit3_bias_test_errors.value;
      const holds3 = e3 === null || !n3 || before === null || after === null ? null : e3 <= 0.1 * n3 && after < before;
      const [c1, c2] = REFERENCES['hinton-mnist'].claims;
      return [
        { claim: c1, holds, evidence: `errors: teacher ${fmt(t)}, distilled ${fmt(d)}, alone ${fmt(s)} (holds if distilled closes at least half the gap)` },
        { claim: c2, holds: holds3, evidence: `after +${fmt(m.omit3_bias_offset.value)} on the 3-class bias: ${fmt(e3)} errors on ${fmt(n3)} test 3s, ${fmt(after)} in all (before: ${fmt(before)}) (holds if at most 10 % of the 3s are wrong and the correction lowers the total)` },
      ];
    },
  };
}

function measureFor(recipe: string, runs: (Run | undefined)[]): Measure {
  switch (recipe) {
    case 'seed-kd':
      return kdMeasure(runs);
    case 'keras-kd-example':
      return kdMeasure(runs, true);
    case 'hinton-mnist':
      return hintonMeasure(runs);
    case 'deep-compression-lenet300':
    case 'deep-compression-lenet5':
      return deepCompressionMeasure(recipe, runs);
    case 'dirvae-vs-gvae':
      return dirvaeMeasure(runs);
    default:
      throw new Error(`report: "${recipe}" is not a reproduction recipe (${Object.keys(REPRODUCTIONS).join(', ')})`);
  }
}

/** Builds the report from the recipe's step runs (in step order), as read from the database. */
export function reproductionReport(recipe: string, quick: boolean, runs: (Run | undefined)[], labels: string[] = []): ReproReport {
  const repro = REPRODUCTIONS[recipe];
  if (!repro) throw new Error(`report: "${recipe}" is not a reproduction recipe (${Object.keys(REPRODUCTIONS).join(', ')})`);
  const ref = REFERENCES[repro.reference as ReferenceId];
  const usable = runs.map((r) => (r?.status === 'completed' ? r : undefined));
  const mz = measureFor(recipe, usable);
  const rows: ReproRow[] = (ref.numbers as readonly PublishedNumber[]).map((n) => ({
    ...n,
    verified: n.verified ?? true,
    measured: mz.measured[n.key]?.value ?? null,
    from: mz.measured[n.key]?.from ?? 'not measured',
  }));
  return {
    recipe,
    reference: { id: ref.id, citation: ref.citation, title: ref.title, where: ref.where, setting: ref.setting },
    quick,
    ...(quick ? { smoke: `SMOKE RUN (--quick): ${QUICK.trainLimit} training and ${QUICK.testLimit} test images, ${QUICK.epochs} epoch per step. It shows the recipe runs end to end; its numbers are not a reproduction and the claims below are not tested by it.` } : {}),
    rows,
    measuredOnly: mz.measuredOnly ?? [],
    claims: mz.claims(mz.measured, usable),
    steps: runs.map((r, i) => ({ label: labels[i] ?? r?.name ?? `step ${i + 1}`, runId: r?.id ?? '–', kind: r?.kind ?? '–', model: r?.model ?? null, status: r?.status ?? 'missing', config: r?.config ?? {} })),
    differences: repro.differences,
  };
}
