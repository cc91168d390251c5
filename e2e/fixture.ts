// The small workspace the browser tests share: real runs of every kind,
// trained once on a few hundred images, then copied for each test file so
// tests cannot disturb each other. `npm test` builds it before the browser
// tests (scripts/test.mjs) and passes its folder in DISTILLERY_FIXTURE.
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service } from '../src-main/service/service.js';

export const FIXTURE_ENV = 'DISTILLERY_FIXTURE';

/** Few images and one epoch: enough for every panel to have something real to show. */
const SMALL = { epochs: 1, batchSize: 64, trainLimit: 256, testLimit: 100, seed: 1 };

/** Run names in the fixture, for tests to find their runs by. */
export const FIXTURE_RUNS = ['teacher', 'student distilled', 'student alone', 'pruned', 'quantized', 'factorized', 'fine-tuned', 'sensitivity', 'score', 'conv autoencoder', 'vae', 'dirvae'] as const;

export async function buildFixture(dataDir: string): Promise<void> {
  const svc = new Service(dataDir);
  try {
    const run = async (name: (typeof FIXTURE_RUNS)[number], config: Record<string, unknown>) => {
      const r = await svc.runJob(config, name);
      if (r.status !== 'completed') throw new Error(`fixture run "${name}" ${r.status}: ${r.error}`);
      return r.id;
    };
    const { trainLimit, testLimit, seed, batchSize } = SMALL;
    const data = { trainLimit, testLimit, seed, batchSize };
    const teacher = await run('teacher', { kind: 'train', model: 'teacher', ...SMALL });
    await run('student distilled', { kind: 'distill', model: 'student', teacherRunId: teacher, ...SMALL });
    const alone = await run('student alone', { kind: 'train', model: 'student', ...SMALL });
    const pruned = await run('pruned', { kind: 'prune', sourceRunId: alone, sparsity: 0.8, finetuneEpochs: 0, ...data });
    await run('quantized', { kind: 'quantize', sourceRunId: alone, bits: 4, calibrationImages: 64, ...data });
    await run('factorized', { kind: 'factorize', sourceRunId: alone, rank: 8, ...data });
    await run('fine-tuned', { kind: 'finetune', sourceRunId: pruned, epochs: 1, ...data });
    await run('sensitivity', { kind: 'sensitivity', sourceRunId: alone, sparsities: [0, 0.5, 0.9], ...data });
    await run('score', { kind: 'score', sourceRunId: pruned, ...data });
    await run('conv autoencoder', { kind: 'autoencoder', model: 'conv', ...SMALL });
    await run('vae', { kind: 'vae', latentDim: 2, llSamples: 5, llImages: 10, ...SMALL });
    await run('dirvae', { kind: 'dirvae', latentDim: 3, llSamples: 5, llImages: 10, ...SMALL });
  } finally {
    svc.close();
  }
}

/** A private copy of the shared fixture (built here if no one built it). */
export async function fixtureCopy(): Promise<string> {
  let src = process.env[FIXTURE_ENV];
  if (!src || !existsSync(join(src, 'distillery.db'))) {
    src = mkdtempSync(join(tmpdir(), 'distillery-fixture-'));
    await buildFixture(src);
    process.env[FIXTURE_ENV] = src;
  }
  const dst = mkdtempSync(join(tmpdir(), 'distillery-e2e-fixture-'));
  cpSync(src, dst, { recursive: true });
  return dst;
}

// `node --import tsx e2e/fixture.ts <folder>` builds the fixture there.
if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: fixture.ts <folder>');
  await buildFixture(dir);
}
