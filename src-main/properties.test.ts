// Property-based tests (fast-check): random damage to IDX files, random API
// payloads against every method, random pipeline step strings. Each must end
// in a clear error or a valid result: never a crash, a hang or a vague error.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { API_INPUTS } from './contract/api.js';
import { AppError } from './contract/errors.js';
import { RECIPES } from './contract/recipes/index.js';
import { parseStepSpec } from './contract/recipes/pipeline.js';
import { DatasetError, readIdx } from './ml/data/idx.js';
import { dispatch } from './service/api-handlers.js';
import { Service } from './service/service.js';
import { resolveDataset } from './ml/data/datasets.js';

const tmp = mkdtempSync(join(tmpdir(), 'distillery-props-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// A real, small IDX file: the first 20 test labels and images of MNIST.
const realLabels = readFileSync(resolveDataset('mnist').testLabels);
const labels = Buffer.concat([realLabels.subarray(0, 4), Buffer.from([0, 0, 0, 20]), realLabels.subarray(8, 28)]);

test('1,000 random mutations of an IDX file: each is read or refused naming the file', () => {
  const file = join(tmp, 'labels-idx1-ubyte');
  let refused = 0;
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(labels.length + 8), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.option(fc.nat(labels.length + 8), { nil: undefined }),
      (edits, cut) => {
        const b = Buffer.from(labels);
        let out = b;
        for (const [at, v] of edits) if (at < out.length) out[at] = v;
        if (cut !== undefined) out = out.subarray(0, Math.min(cut, out.length));
        writeFileSync(file, out);
        try {
          const t = readIdx(file, 1);
          // Accepted only when the header and length really agree.
          assert.equal(t.data.length, t.dims.reduce((a, d) => a * d, 1));
        } catch (e) {
          refused++;
          assert.ok(e instanceof DatasetError, `a DatasetError, got ${(e as Error).name}: ${(e as Error).message}`);
          assert.ok((e as Error).message.startsWith(file + ': '), (e as Error).message);
        }
      },
    ),
    { numRuns: 1000, seed: 42 },
  );
  assert.ok(refused > 100, `most damage is refused (${refused})`);
});

test('random payloads against every API method: validated into a clear error or a result, never a crash', async () => {
  // A throwaway workspace. Methods that would start real work (a job, a
  // recipe, an export) or change settings are checked by validation only.
  const svc = new Service(join(tmp, 'api'));
  try {
    const methods = Object.keys(API_INPUTS);
    const json = fc.jsonValue({ maxDepth: 3 });
    const payload = fc.oneof(json, fc.dictionary(fc.constantFrom('id', 'ids', 'config', 'recipe', 'options', 'image', 'temperature', 'kind', 'format', 'concurrency', 'artifactId', 'tags'), json));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...methods), payload, async (method, body) => {
        if (method === 'startJob' || method === 'startRecipe' || method === 'setSettings' || method === 'exportModel') {
          // Validation only: a valid payload here would start real work.
          const r = API_INPUTS[method as keyof typeof API_INPUTS].safeParse(body);
          if (!r.success) assert.ok(r.error.issues.length > 0);
          return;
        }
        try {
          await dispatch(svc, method, body);
        } catch (e) {
          assert.ok(e instanceof AppError, `${method}: an AppError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
          assert.notEqual((e as AppError).code, 'internal', `${method}(${JSON.stringify(body)}): ${(e as Error).message}`);
          assert.ok((e as Error).message.length > 5);
        }
      }),
      { numRuns: 500, seed: 7 },
    );
  } finally {
    svc.close();
  }
});

test('random pipeline step strings end in steps the schema accepts or a clear error', () => {
  const schema = RECIPES.pipeline.schema;
  const token = fc.oneof(fc.constantFrom('prune', 'quantize', 'factorize', 'score', 'finetune', 'sensitivity', 'train', 'bits', 'sparsity', 'rank', '=', ',', ';', ':', '|', '0.5', '5', '-1', 'true', 'x'), fc.string({ maxLength: 6 }));
  fc.assert(
    fc.property(fc.array(token, { maxLength: 12 }), (parts) => {
      const spec = parts.join('');
      let steps: Record<string, unknown>[];
      try {
        steps = parseStepSpec(spec);
      } catch (e) {
        assert.ok(e instanceof AppError && e.code === 'invalid' && /^steps: /.test(e.message), `${spec}: ${(e as Error).message}`);
        return;
      }
      const r = schema.safeParse({ sourceRunId: 'abc', steps });
      if (!r.success) for (const i of r.error.issues) assert.ok(i.message.length > 3, JSON.stringify(i));
    }),
    { numRuns: 1000, seed: 3 },
  );
});
