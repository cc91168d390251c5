import { z } from 'zod';
import { sourceFields } from '../kinds/common.js';
import { ValidationError } from '../errors.js';
import { KINDS, isJobKind } from '../kinds/index.js';
import { defineRecipe, type RecipeStep } from './recipe.js';

/** The shared data fields of a compression chain (the steps' own fields come per step). */
const { model: _model, ...chainFields } = sourceFields;

/** Fields a pipeline step takes from the chain rather than from its own form. */
export const CHAIN_FIELDS = Object.keys(sourceFields);

/** Compression kinds a pipeline step may be. */
export const PIPELINE_KINDS = Object.values(KINDS).filter((k) => k.group === 'compress').map((k) => k.kind);

/** "prune:sparsity=0.9,finetuneEpochs=1;quantize:bits=5;score" → steps. */
export function parseStepSpec(spec: string): Record<string, unknown>[] {
  return spec
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [kind, args = ''] = part.split(':');
      const step: Record<string, unknown> = { kind: kind.trim() };
      for (const kv of args.split(',').filter(Boolean)) {
        const [k, v] = kv.split('=').map((x) => x.trim());
        if (!k || v === undefined) throw new ValidationError(`steps: "${kv}" in "${part}" is not key=value`);
        step[k] = v === 'true' ? true : v === 'false' ? false : Number.isFinite(Number(v)) ? Number(v) : v.includes('|') ? v.split('|') : v;
      }
      return step;
    });
}

/** Each step takes the previous step's run as its source; the first takes `sourceRunId`. */
export function chainSteps(sourceRunId: string, common: Record<string, unknown>, steps: Record<string, unknown>[]): RecipeStep[] {
  return steps.map((st, i) => ({
    label: `${i + 1}/${steps.length} ${String(st.kind)}`,
    after: i === 0 ? [] : [i - 1],
    config: (ids) => ({ ...common, ...st, sourceRunId: i === 0 ? sourceRunId : ids[i - 1] }),
  }));
}

const stepsField = z
  .array(z.record(z.string(), z.unknown()))
  .min(1, 'give at least one step')
  .superRefine((steps, ctx) => {
    steps.forEach((st, i) => {
      const k = String(st.kind);
      if (!isJobKind(k) || !PIPELINE_KINDS.includes(k)) ctx.addIssue({ code: 'custom', path: [i], message: `"${k}" is not a compression step (${PIPELINE_KINDS.join(', ')})` });
      else if (KINDS[k].leaves === 'nothing' && i < steps.length - 1) ctx.addIssue({ code: 'custom', path: [i], message: `${k} makes no model, so it can only be the last step` });
    });
  })
  .meta({ title: 'Steps', description: 'Compression steps, each a run taking the previous one as its source: "prune:sparsity=0.9,finetuneEpochs=1;quantize:bits=5;score".' });

const commonOf = (o: Record<string, unknown>) => {
  const { sourceRunId: _s, steps: _st, ...rest } = o;
  return rest;
};

export const pipeline = defineRecipe({
  recipe: 'pipeline',
  label: 'Compression pipeline',
  help: 'A chain of compression steps, each a run of its own taking the previous one as its source. All steps are checked before the first starts.',
  schema: z.object({ ...chainFields, steps: stepsField }),
  needs: [{ field: 'sourceRunId', role: 'source', leaves: 'classifier' }],
  flags: { sourceRunId: 'source' },
  parse: { steps: parseStepSpec },
  title: () => 'Pipeline',
  steps: (o) => chainSteps(o.sourceRunId, commonOf(o), o.steps),
  stepError: (i, _s, o) => `steps.${i} (${String(o.steps[i]?.kind)})`,
});

export const deepCompression = defineRecipe({
  recipe: 'deep-compression',
  label: 'Deep Compression',
  help: 'Han et al.: prune, fine-tune, quantize, Huffman-code; reports the size in bytes and the ratio to the original.',
  schema: z.object({
    ...chainFields,
    // Han et al. keep 8 % of LeNet-300-100's weights, at 6 bits.
    sparsity: z.number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)').meta({ title: 'Sparsity', description: 'Share of weights pruned per layer (Han et al. keep 8 % of LeNet-300-100).' }).default(0.92),
    finetuneEpochs: z.number().int().min(0).max(100).meta({ title: 'Fine-tuning epochs', description: 'Fine-tuning after pruning.' }).default(2),
    bits: z.number().int().min(2, 'must be from 2 to 8').max(8, 'must be from 2 to 8').meta({ title: 'Bits', description: 'Quantization bits (Han et al. use 6 for LeNet).' }).default(6),
  }),
  needs: [{ field: 'sourceRunId', role: 'source', leaves: 'classifier' }],
  flags: { sourceRunId: 'source' },
  title: () => 'Deep Compression',
  steps: (o) => {
    const { sparsity, finetuneEpochs, bits, ...rest } = commonOf(o) as Record<string, unknown> & { sparsity: number; finetuneEpochs: number; bits: number };
    return chainSteps(o.sourceRunId, rest, [{ kind: 'prune', sparsity, finetuneEpochs }, { kind: 'quantize', bits, perChannel: false }, { kind: 'score' }]);
  },
});
