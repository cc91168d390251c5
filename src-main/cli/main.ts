// `distillery` command line: a thin adapter over the service.
import { Command, InvalidArgumentError, Option } from 'commander';
import { pickTrainingFields, ValidationError, type JobEvent } from '../contract/jobs.js';
import type { Run } from '../db/store.js';
import { initBackend } from '../ml/engine/backend.js';
import { softenExample } from '../ml/inspect/soften.js';
import type { LayersModel } from '@tensorflow/tfjs';
import { buildConvAe, buildDenseAe, buildGaussianVae } from '../ml/models/autoencoders.js';
import { ACTIVE_MEASURE, ACTIVE_THRESHOLD } from '../ml/train/latent-trainer.js';
import { buildClassifier, CLASSIFIER_MODELS } from '../ml/models/classifiers.js';
import { formatSummary, summarize } from '../ml/models/summary.js';
import { defaultDataDir, DATA_DIR_ENV } from '../service/data-dir.js';
import { Service, KD_RECIPE_DEFAULTS } from '../service/service.js';
import { acc, duration, int, modelLabel, runSeconds, table } from './format.js';
import { progressView } from './progress.js';

/** Models `distillery summary` can describe, by the name users type. */
const SUMMARY_MODELS: Record<string, () => LayersModel> = {
  teacher: () => buildClassifier('teacher'),
  student: () => buildClassifier('student'),
  'conv-ae': () => buildConvAe().model,
  'dense-ae': () => buildDenseAe().model,
  'vae-encoder': () => buildGaussianVae(2).encoder,
  'vae-decoder': () => buildGaussianVae(2).decoder,
};

interface GlobalOpts {
  dataDir?: string;
  json?: boolean;
}

const number = (name: string, integer: boolean) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'}, got "${v}"`);
  }
  return n;
};

/** Schema field names become the flags the user typed. */
const flagName = (field: string) => '--' + field.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()).replace(/^teacher-run-id$/, 'teacher');
function userMessage(e: unknown): string {
  const msg = (e as Error)?.message ?? String(e);
  if (e instanceof ValidationError) return msg.replace(/(^|; )([a-zA-Z.]+):/g, (_m, sep, f) => `${sep}${flagName(f)}:`);
  return msg;
}

/** Data and optimizer flags every training or compression command takes. */
function dataOptions(cmd: Command): Command {
  return cmd
    .option('--dataset <name|folder>', 'mnist, fashion-mnist, or a folder of IDX files', 'mnist')
    .option('--batch-size <n>', 'images per step', number('--batch-size', true), 64)
    .option('--learning-rate <lr>', 'Adam learning rate', number('--learning-rate', false), 0.001)
    .option('--train-limit <n>', 'use only the first n training images', number('--train-limit', true))
    .option('--test-limit <n>', 'use only the first n test images', number('--test-limit', true))
    .option('--seed <n>', 'seed for init, shuffling and dropout', number('--seed', true), 42)
    .addOption(new Option('--backend <name>', 'force a backend (default: best available)').choices(['tensorflow', 'wasm', 'cpu']));
}

function commonTrainingOptions(cmd: Command): Command {
  return dataOptions(cmd.option('--epochs <n>', 'training epochs', number('--epochs', true), 10));
}

const trainingConfig = pickTrainingFields;

function runRow(r: Run) {
  return [
    r.id,
    r.kind,
    r.status,
    r.dataset,
    modelLabel(r),
    acc(r.summary.test_accuracy),
    int(r.summary.params),
    r.createdAt.replace('T', ' ').slice(0, 19),
    duration(runSeconds(r)),
  ];
}
/** The summary metrics worth a column for these runs' kinds. */
function keyMetrics(runs: Run[]): { key: string; label: string; fmt: (v: unknown) => string }[] {
  const n4 = (v: unknown) => (typeof v === 'number' ? v.toFixed(4) : '');
  const n2 = (v: unknown) => (typeof v === 'number' ? v.toFixed(2) : '');
  const all = [
    { key: 'test_accuracy', label: 'test accuracy', fmt: acc },
    { key: 'teacher_test_recon_loss', label: 'teacher recon', fmt: n4 },
    { key: 'alone_test_recon_loss', label: 'student alone recon', fmt: n4 },
    { key: 'test_recon_loss', label: 'test recon loss', fmt: n4 },
    { key: 'test_elbo', label: 'test ELBO', fmt: n2 },
    { key: 'elbo_bound', label: 'ELBO bound', fmt: (v: unknown) => (typeof v === 'string' ? v : '') },
    { key: 'test_nll', label: 'test NLL (IS)', fmt: n2 },
    { key: 'active_dims', label: 'active dims', fmt: (v: unknown) => (typeof v === 'number' ? String(v) : '') },
  ];
  return all.filter((c) => runs.some((r) => r.summary[c.key] !== undefined && r.summary[c.key] !== null));
}
const RUN_HEADERS = ['id', 'kind', 'status', 'dataset', 'model', 'test acc', 'params', 'created', 'duration'];

export function buildCli(): Command {
  const program = new Command('distillery')
    .description('Train, distill and compare models on your own machine.')
    .option('--data-dir <folder>', `where runs are stored (default: $${DATA_DIR_ENV} or the OS app-data folder)`)
    .option('--json', 'print machine-readable JSON')
    .showHelpAfterError();

  const globals = (): GlobalOpts => program.opts<GlobalOpts>();
  const service = () => new Service(globals().dataDir ?? defaultDataDir());
  const print = (human: string, json: unknown) => console.log(globals().json ? JSON.stringify(json, null, 2) : human);

  /** Runs jobs with a live view and Ctrl-C handling; resolves with their runs. */
  async function runWithProgress(svc: Service, go: (onStart: (run: Run, label: string) => void) => Promise<Run[]>): Promise<Run[]> {
    const mode = globals().json ? 'off' : process.stderr.isTTY ? 'tty' : 'lines';
    let view = progressView('', 'off');
    let current: string | undefined;
    let interrupts = 0;
    const onEvent = (runId: string, e: JobEvent) => runId === current && view.onEvent(e);
    svc.runner.on('event', onEvent);
    const onSigint = () => {
      interrupts++;
      if (!current) process.exit(130);
      process.stderr.write(interrupts === 1 ? '\ncancelling: finishing the current step and saving (Ctrl-C again to stop at once)\n' : '\nstopping now\n');
      if (interrupts === 1) svc.cancel(current);
      else svc.runner.killAll();
    };
    process.on('SIGINT', onSigint);
    try {
      return await go((run, label) => {
        view.stop();
        current = run.id;
        if (interrupts > 0) svc.cancel(run.id);
        if (mode !== 'off') process.stderr.write(`${label}: run ${run.id}\n`);
        view = progressView(label, mode);
      });
    } finally {
      view.stop();
      process.off('SIGINT', onSigint);
      svc.runner.off('event', onEvent);
      if (interrupts > 0) process.exitCode = 130;
    }
  }

  function reportRuns(runs: Run[], title: string) {
    const cols = keyMetrics(runs);
    const rows = runs.map((r) => [r.name?.replace(/^(kd|vae-compare): /, '') ?? modelLabel(r), r.id, r.status, int(r.summary.params), ...cols.map((c) => c.fmt(r.summary[c.key]))]);
    const failed = runs.find((r) => r.status === 'failed');
    print(
      `\n${title}\n${table(['model', 'run', 'status', 'parameters', ...cols.map((c) => c.label)], rows)}${failed ? `\n\nrun ${failed.id} failed: ${failed.error}` : ''}`,
      runs,
    );
    if (runs.some((r) => r.status === 'failed')) process.exitCode = 1;
    else if (runs.some((r) => r.status === 'cancelled')) process.exitCode = 130;
  }

  const run = program.command('run').description('run a job: train, distill, or the kd recipe');

  commonTrainingOptions(
    run
      .command('train')
      .description('train a classifier from scratch')
      .addOption(new Option('--model <name>', 'architecture').choices([...CLASSIFIER_MODELS]).makeOptionMandatory()),
  ).action(async (o) => {
    const svc = service();
    try {
      const runs = await runWithProgress(svc, async (onStart) => [await svc.runJob({ kind: 'train', model: o.model, ...trainingConfig(o) }, undefined, (r) => onStart(r, `train ${o.model}`))]);
      reportRuns(runs, 'Result');
    } finally {
      svc.close();
    }
  });

  commonTrainingOptions(
    run
      .command('distill')
      .description("train a student on a teacher run's soft targets (Hinton et al.)")
      .requiredOption('--teacher <run-id>', 'completed run whose model is the teacher')
      .option('--temperature <T>', 'softmax temperature', number('--temperature', false), KD_RECIPE_DEFAULTS.temperature)
      .option('--alpha <a>', 'weight of the soft-target loss, in [0, 1]', number('--alpha', false), KD_RECIPE_DEFAULTS.alpha)
      .addOption(new Option('--model <name>', 'student architecture').choices([...CLASSIFIER_MODELS]).default('student')),
  ).action(async (o) => {
    const svc = service();
    try {
      const cfg = { kind: 'distill', model: o.model, teacherRunId: o.teacher, temperature: o.temperature, alpha: o.alpha, ...trainingConfig(o) };
      const runs = await runWithProgress(svc, async (onStart) => [await svc.runJob(cfg, undefined, (r) => onStart(r, `distill ${o.model}`))]);
      reportRuns(runs, 'Result');
    } finally {
      svc.close();
    }
  });

  commonTrainingOptions(
    run
      .command('kd')
      .description("the seed's experiment: teacher CNN, student distilled from it, student alone")
      .option('--temperature <T>', 'softmax temperature', number('--temperature', false), KD_RECIPE_DEFAULTS.temperature)
      .option('--alpha <a>', 'weight of the soft-target loss, in [0, 1]', number('--alpha', false), KD_RECIPE_DEFAULTS.alpha),
  ).action(async (o) => {
    const svc = service();
    try {
      const runs = await runWithProgress(svc, (onStart) =>
        svc.runKdRecipe({ ...(trainingConfig(o) as object), temperature: o.temperature, alpha: o.alpha }, (r, step) => onStart(r, step)),
      );
      reportRuns(runs, 'Knowledge distillation');
    } finally {
      svc.close();
    }
  });

  const single = (cmd: Command, label: (o: Record<string, unknown>) => string, config: (o: Record<string, unknown>) => Record<string, unknown>) =>
    commonTrainingOptions(cmd).action(async (o) => {
      const svc = service();
      try {
        const runs = await runWithProgress(svc, async (onStart) => [await svc.runJob({ ...config(o), ...trainingConfig(o) }, undefined, (r) => onStart(r, label(o)))]);
        reportRuns(runs, 'Result');
      } finally {
        svc.close();
      }
    });

  single(
    run
      .command('autoencoder')
      .description("train the seed's conv (4,385 params) or dense (201,616 params) autoencoder")
      .addOption(new Option('--model <name>', 'architecture').choices(['conv', 'dense']).default('conv'))
      .addOption(new Option('--loss <name>', 'per-pixel reconstruction loss').choices(['bce', 'mse']).default('bce'))
      .option('--sharpen-temperature <T>', 'also show reconstructions with logits / T (the seed uses 0.6)', number('--sharpen-temperature', false), 0.6),
    (o) => `autoencoder ${o.model}`,
    (o) => ({ kind: 'autoencoder', model: o.model, loss: o.loss, sharpenTemperature: o.sharpenTemperature }),
  );

  single(
    run
      .command('ae-distill')
      .description("dense AE student whose code is pulled towards a conv AE teacher's: recon + alpha·MSE(code_S − code_T)·T²")
      .requiredOption('--teacher <run-id>', 'completed conv autoencoder run')
      .option('--temperature <T>', 'temperature', number('--temperature', false), 4)
      .option('--alpha <a>', 'weight of the code-matching term', number('--alpha', false), 0.5)
      .addOption(new Option('--loss <name>', 'per-pixel reconstruction loss').choices(['bce', 'mse']).default('bce')),
    () => 'ae-distill',
    (o) => ({ kind: 'ae-distill', teacherRunId: o.teacher, temperature: o.temperature, alpha: o.alpha, loss: o.loss }),
  );

  const vaeOptions = (cmd: Command) =>
    cmd
      .option('--ll-samples <n>', 'importance samples for the test log-likelihood', number('--ll-samples', true), 100)
      .option('--ll-images <n>', 'test images for the log-likelihood', number('--ll-images', true), 500);

  single(
    vaeOptions(run.command('vae').description('Gaussian VAE (encoder 784-512-(d, d))').option('--latent-dim <d>', 'latent size', number('--latent-dim', true), 2)),
    (o) => `vae d=${o.latentDim}`,
    (o) => ({ kind: 'vae', latentDim: o.latentDim, llSamples: o.llSamples, llImages: o.llImages }),
  );

  const klOption = () =>
    new Option('--kl <name>', "DirVAE KL term: dirichlet (closed form, exact for this model, tighter ELBO) or multigamma (the paper's)").choices(['dirichlet', 'multigamma']).default('dirichlet');

  single(
    vaeOptions(
      run
        .command('dirvae')
        .description('Dirichlet VAE (Joo et al.): Dirichlet(alpha) prior; Dirichlet or multi-Gamma KL')
        .option('--latent-dim <K>', 'latent size (simplex dimension)', number('--latent-dim', true), 10)
        .option('--prior-alpha <a>', 'Dirichlet prior concentration per dimension', number('--prior-alpha', false), 0.98)
        .addOption(new Option('--sampler <name>', "Gamma sampler: exact (reparameterized Marsaglia–Tsang) or icdf (the paper's approximation)").choices(['exact', 'icdf']).default('exact'))
        .addOption(klOption()),
    ),
    (o) => `dirvae K=${o.latentDim}`,
    (o) => ({ kind: 'dirvae', latentDim: o.latentDim, priorAlpha: o.priorAlpha, sampler: o.sampler, kl: o.kl, llSamples: o.llSamples, llImages: o.llImages }),
  );

  commonTrainingOptions(
    vaeOptions(
      run
        .command('vae-compare')
        .description('Gaussian VAE and Dirichlet VAE of the same latent size, side by side (ELBO, log-likelihood, active dimensions)')
        .option('--latent-dim <K>', 'latent size of both', number('--latent-dim', true), 10)
        .option('--prior-alpha <a>', 'Dirichlet prior concentration', number('--prior-alpha', false), 0.98)
        .addOption(klOption()),
    ),
  ).action(async (o) => {
    const svc = service();
    try {
      const shared = { latentDim: o.latentDim, llSamples: o.llSamples, llImages: o.llImages, ...trainingConfig(o) };
      const dirvae = { kind: 'dirvae', priorAlpha: o.priorAlpha, kl: o.kl, ...shared };
      svc.prepare(dirvae);
      const runs = await runWithProgress(svc, async (onStart) => {
        const out = [await svc.runJob({ kind: 'vae', ...shared }, 'vae-compare: Gaussian VAE', (r) => onStart(r, 'Gaussian VAE'))];
        if (out[0].status === 'completed') out.push(await svc.runJob(dirvae, 'vae-compare: Dirichlet VAE', (r) => onStart(r, 'Dirichlet VAE')));
        return out;
      });
      reportRuns(runs, `VAE comparison, latent size ${o.latentDim} (lower NLL is better; active dims: ${ACTIVE_MEASURE}, threshold ${ACTIVE_THRESHOLD})`);
    } finally {
      svc.close();
    }
  });

  // ---- compression ----
  const compressionOptions = (cmd: Command) => dataOptions(cmd.requiredOption('--source <run-id>', 'completed classifier run (or earlier compression step) to compress'));
  const dataConfig = (o: Record<string, unknown>) => {
    const { epochs: _unused, ...rest } = trainingConfig(o);
    return { ...rest, sourceRunId: o.source };
  };
  const list = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);
  const compressCmd = (cmd: Command, label: string, config: (o: Record<string, unknown>) => Record<string, unknown>) =>
    compressionOptions(cmd).action(async (o) => {
      const svc = service();
      try {
        const runs = await runWithProgress(svc, async (onStart) => [await svc.runJob({ ...dataConfig(o), ...config(o) }, undefined, (r) => onStart(r, label))]);
        reportRuns(runs, 'Result');
        const r = runs[0];
        if (r.status === 'completed' && !globals().json) {
          const extra = Object.entries(r.summary).filter(([k]) => !['params', 'test_accuracy'].includes(k));
          process.stdout.write(`\n${extra.map(([k, v]) => `  ${k}: ${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(6) : v}`).join('\n')}\n`);
        }
      } finally {
        svc.close();
      }
    });

  compressCmd(
    run
      .command('prune')
      .description('prune weights (unstructured, by magnitude) or whole units/filters (structured), one-shot or iterative')
      .addOption(new Option('--method <m>', 'what to remove').choices(['unstructured', 'structured']).default('unstructured'))
      .addOption(new Option('--criterion <c>', 'structured ranking').choices(['l1', 'l2', 'activation', 'apoz']).default('l1'))
      .option('--sparsity <s>', 'target share of weights (or units) removed, in [0, 1)', number('--sparsity', false), 0.5)
      .addOption(new Option('--scope <s>', 'one threshold per layer or one for all').choices(['layer', 'global']).default('layer'))
      .option('--layers <names>', 'comma-separated layers (default: all prunable)', list)
      .option('--steps <n>', 'iterative: reach the target in n steps, fine-tuning after each', number('--steps', true), 1)
      .option('--finetune-epochs <n>', 'fine-tuning epochs after each step', number('--finetune-epochs', true), 1),
    'prune',
    (o) => ({ kind: 'prune', method: o.method, criterion: o.criterion, sparsity: o.sparsity, scope: o.scope, layers: o.layers, steps: o.steps, finetuneEpochs: o.finetuneEpochs }),
  );
  compressCmd(
    run.command('sensitivity').description('per layer: test accuracy when only that layer is pruned to 0..95 %').option('--layers <names>', 'comma-separated layers', list),
    'sensitivity',
    (o) => ({ kind: 'sensitivity', layers: o.layers }),
  );
  compressCmd(
    run
      .command('quantize')
      .description('post-training affine quantization of the weights to 2..8 bits; writes the integer file')
      .option('--bits <b>', 'bits per weight, 2 to 8', number('--bits', true), 8)
      .option('--per-tensor', 'one scale per tensor instead of per output channel')
      .option('--calibration-images <n>', 'training images for activation ranges', number('--calibration-images', true), 500),
    'quantize',
    (o) => ({ kind: 'quantize', bits: o.bits, perChannel: !o.perTensor, calibrationImages: o.calibrationImages }),
  );
  compressCmd(
    run
      .command('factorize')
      .description('replace Dense layers by rank-k SVD factors (mn → (m+n)k weights)')
      .option('--layers <names>', 'comma-separated Dense layers (default: all but the output)', list)
      .option('--rank <k>', 'rank for every chosen layer', number('--rank', true))
      .option('--energy <e>', 'or the smallest rank keeping this share of Σσ²', number('--energy', false), 0.9)
      .option('--finetune-epochs <n>', 'fine-tuning epochs after factorizing', number('--finetune-epochs', true), 0),
    'factorize',
    (o) => ({ kind: 'factorize', layers: o.layers, rank: o.rank, energy: o.energy, finetuneEpochs: o.finetuneEpochs }),
  );
  compressCmd(
    run
      .command('finetune')
      .description('train a compressed model further, keeping pruned weights at zero')
      .option('--epochs <n>', 'epochs', number('--epochs', true), 1),
    'finetune',
    (o) => ({ kind: 'finetune', epochs: o.epochs }),
  );
  compressCmd(
    run
      .command('score')
      .description('MicroNet score: parameter storage and math operations against a baseline; Deep Compression size')
      .option('--baseline <run-id>', "baseline run (default: the seed's teacher CNN at 32 bits)")
      .addOption(new Option('--convention <c>', 'fp32: a 32-bit parameter counts 1; fp16: the seed\'s "16-bit counts as one"').choices(['fp32', 'fp16']).default('fp32')),
    'score',
    (o) => ({ kind: 'score', baselineRunId: o.baseline, convention: o.convention }),
  );

  /** "prune:sparsity=0.9,finetuneEpochs=1;quantize:bits=5;score" → steps. */
  const parseSteps = (spec: string): Record<string, unknown>[] =>
    spec.split(';').map((part) => part.trim()).filter(Boolean).map((part) => {
      const [kind, args = ''] = part.split(':');
      const step: Record<string, unknown> = { kind: kind.trim() };
      for (const kv of args.split(',').filter(Boolean)) {
        const [k, v] = kv.split('=').map((x) => x.trim());
        if (!k || v === undefined) throw new ValidationError(`steps: "${kv}" in "${part}" is not key=value`);
        step[k] = v === 'true' ? true : v === 'false' ? false : Number.isFinite(Number(v)) ? Number(v) : v.includes('|') ? v.split('|') : v;
      }
      return step;
    });
  const pipelineCmd = (cmd: Command, steps: (o: Record<string, unknown>) => Record<string, unknown>[], title: string) =>
    compressionOptions(cmd).action(async (o) => {
      const svc = service();
      try {
        const runs = await runWithProgress(svc, (onStart) => svc.runPipeline(String(o.source), steps(o), dataConfig(o), onStart));
        reportRuns(runs, title);
        const score = runs.find((r) => r.kind === 'score' && r.status === 'completed');
        if (score && !globals().json) {
          const s = score.summary;
          process.stdout.write(
            `\nMicroNet score ${Number(s.micronet_score).toFixed(4)} (storage ${Number(s.storage_ratio).toFixed(4)} + ops ${Number(s.ops_ratio).toFixed(4)}, ${s.convention})\n` +
              `Compressed size ${int(s.compressed_bytes)} bytes vs ${int(s.original_bytes)} original: ${Number(s.compression_ratio).toFixed(1)}× smaller; test accuracy ${acc(s.test_accuracy)}\n`,
          );
        }
      } finally {
        svc.close();
      }
    });
  pipelineCmd(
    run
      .command('pipeline')
      .description('a chain of compression steps, each a run: --steps "prune:sparsity=0.9,finetuneEpochs=1;quantize:bits=5;score"')
      .requiredOption('--steps <spec>', 'steps separated by ";", each kind:key=value,…'),
    (o) => parseSteps(String(o.steps)),
    'Pipeline',
  );
  pipelineCmd(
    run
      .command('deep-compression')
      .description('Han et al.: prune, fine-tune, quantize, Huffman-code; reports the size in bytes and the ratio to the original')
      .option('--sparsity <s>', 'share of weights pruned per layer (Han et al. keep 8 % of LeNet-300-100)', number('--sparsity', false), 0.92)
      .option('--finetune-epochs <n>', 'fine-tuning after pruning', number('--finetune-epochs', true), 2)
      .option('--bits <b>', 'quantization bits (Han et al. use 6 for LeNet)', number('--bits', true), 6),
    (o) => [
      { kind: 'prune', sparsity: o.sparsity, finetuneEpochs: o.finetuneEpochs },
      { kind: 'quantize', bits: o.bits, perChannel: false },
      { kind: 'score' },
    ],
    'Deep Compression',
  );

  program
    .command('ls')
    .description('list runs')
    .option('--kind <kind>', 'only runs of this kind')
    .option('--status <status>', 'only runs with this status')
    .action((o) => {
      const svc = service();
      try {
        const runs = svc.listRuns({ kind: o.kind, status: o.status });
        print(runs.length ? table(RUN_HEADERS, runs.map(runRow)) : 'no runs yet: try `distillery run kd --epochs 1 --train-limit 2000 --test-limit 1000`', runs);
      } finally {
        svc.close();
      }
    });

  program
    .command('show <run-id>')
    .description('show one run: config, per-epoch metrics, backend, lineage, artifacts')
    .action((id: string) => {
      const svc = service();
      try {
        const d = svc.getRun(id);
        const r = d.run;
        const perEpoch = d.metrics.filter((m) => m.scope === 'epoch');
        const epochs = [...new Set(perEpoch.map((m) => m.epoch))];
        const names = [...new Set(perEpoch.map((m) => m.name))];
        const metricRows = epochs.map((e) => [e, ...names.map((n) => perEpoch.find((m) => m.epoch === e && m.name === n)?.value.toFixed(4))]);
        const human = [
          `run ${r.id}  ${r.kind}  ${r.status}${r.name ? `  "${r.name}"` : ''}`,
          `created ${r.createdAt}  duration ${duration(runSeconds(r)) || '-'}`,
          `backend ${r.backend ?? '-'}  device ${r.device ?? '-'}  version ${r.backendVersion ?? '-'}`,
          r.error ? `error: ${r.error}` : '',
          `\nconfig\n${Object.entries(r.config).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n')}`,
          `\nsummary\n${Object.entries(r.summary).map(([k, v]) => `  ${k}: ${v}`).join('\n') || '  (none)'}`,
          `\nlineage\n  parents: ${r.parents.map((p) => `${p.id} (${p.role})`).join(', ') || '-'}\n  children: ${r.children.map((p) => `${p.id} (${p.role})`).join(', ') || '-'}`,
          `\nper-epoch metrics\n${metricRows.length ? table(['epoch', ...names], metricRows) : '  (none)'}`,
          `\nartifacts\n${d.artifacts.length ? table(['kind', 'name', 'size', 'sha256', 'path'], d.artifacts.map((a) => [a.kind, a.name, int(a.size), a.sha256.slice(0, 16), a.path])) : '  (none)'}`,
        ]
          .filter(Boolean)
          .join('\n');
        print(human, { ...d, metrics: perEpoch });
      } finally {
        svc.close();
      }
    });

  program
    .command('summary <model>')
    .description(`Keras-style layer table of a model (${Object.keys(SUMMARY_MODELS).join(', ')})`)
    .action(async (name: string) => {
      const build = SUMMARY_MODELS[name];
      if (!build) throw new ValidationError(`model: must be one of ${Object.keys(SUMMARY_MODELS).join(', ')}, got "${name}"`);
      await initBackend('cpu');
      const s = summarize(build());
      print(formatSummary(s), s);
    });

  program
    .command('soften')
    .description("a teacher's probabilities for one test image, unsoftened and softened at temperature T")
    .requiredOption('--run <run-id>', 'run whose model to use')
    .option('--image <index>', 'test image index', number('--image', true), 0)
    .option('--temperature <T>', 'softmax temperature', number('--temperature', false), 4)
    .option('--dataset <name|folder>', "test set to take the image from (default: the run's dataset)")
    .action(async (o) => {
      const svc = service();
      try {
        const id = svc.store.resolveRunId(o.run);
        const run = svc.store.getRun(id)!;
        const dir = svc.modelDir(id);
        await initBackend(run.config.backend === 'tensorflow' ? undefined : 'cpu');
        const r = await softenExample(dir, o.dataset ?? run.dataset ?? 'mnist', o.image, o.temperature);
        const vec = (v: number[]) => `[${v.map((x) => x.toExponential(7)).join(' ')}]`;
        print(
          [
            `run ${id}, test image ${r.image} (label ${r.label})`,
            `Unsoftened probabilities: ${vec(r.probabilities)}`,
            `Prediction based on unsoftened probability for: ${r.predicted}`,
            `Softened probabilities (T = ${r.temperature}): ${vec(r.softened)}`,
            `Prediction based on Softened probability for: ${r.predictedSoftened}`,
          ].join('\n'),
          { runId: id, ...r, pixels: undefined },
        );
      } finally {
        svc.close();
      }
    });

  program
    .command('serve')
    .description('serve the workbench UI over HTTP (for headless GPU boxes; open the printed URL in a browser)')
    .option('--host <address>', 'address to bind; anything but loopback exposes your runs to the network', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', number('--port', true), 7860)
    .option('--token <token>', 'access token (default: a new random one)')
    .action(async (o) => {
      const { startServer, rendererMissing } = await import('../serve/server.js');
      const { ensureRendererBuilt, RENDERER_DIR } = await import('../serve/renderer-build.js');
      if (rendererMissing(RENDERER_DIR)) await ensureRendererBuilt((m) => process.stderr.write(m + '\n'));
      if (!['127.0.0.1', 'localhost', '::1'].includes(o.host)) {
        process.stderr.write(`warning: binding to ${o.host}: anyone who can reach this address and has the token can see and start runs. Prefer an SSH tunnel to 127.0.0.1.\n`);
      }
      const svc = service();
      const server = await startServer(svc, { host: o.host, port: o.port, token: o.token, staticDir: RENDERER_DIR });
      print(`Distillery is serving ${svc.dataDir}\nOpen ${server.url}\n(Ctrl-C to stop; running jobs are cancelled)`, { url: server.url, port: server.port, token: server.token, dataDir: svc.dataDir });
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      svc.runner.cancelAll();
      await Promise.race([new Promise((r) => setTimeout(r, 3000)), new Promise<void>((r) => svc.runner.runningIds.length === 0 ? r() : svc.runner.on('finished', () => svc.runner.runningIds.length === 0 && r()))]);
      svc.runner.killAll();
      await server.close();
      svc.close();
    });

  return program;
}

export async function main(argv = process.argv): Promise<void> {
  const program = buildCli();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    process.stderr.write(`distillery: ${userMessage(e)}\n`);
    process.exitCode = e instanceof ValidationError || e instanceof RangeError ? 2 : 1;
  }
}
