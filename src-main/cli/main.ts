// `distillery` command line: a thin adapter over the service.
import { Command, InvalidArgumentError, Option } from 'commander';
import { ValidationError, type JobEvent } from '../contract/jobs.js';
import type { Run } from '../db/store.js';
import { initBackend } from '../ml/engine/backend.js';
import { softenExample } from '../ml/inspect/soften.js';
import { buildClassifier, CLASSIFIER_MODELS, type ClassifierModel } from '../ml/models/classifiers.js';
import { formatSummary, summarize } from '../ml/models/summary.js';
import { defaultDataDir, DATA_DIR_ENV } from '../service/data-dir.js';
import { Service, KD_RECIPE_DEFAULTS } from '../service/service.js';
import { acc, duration, int, modelLabel, runSeconds, table } from './format.js';
import { progressView } from './progress.js';

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

function commonTrainingOptions(cmd: Command): Command {
  return cmd
    .option('--dataset <name|folder>', 'mnist, fashion-mnist, or a folder of IDX files', 'mnist')
    .option('--epochs <n>', 'training epochs', number('--epochs', true), 10)
    .option('--batch-size <n>', 'images per step', number('--batch-size', true), 64)
    .option('--learning-rate <lr>', 'Adam learning rate', number('--learning-rate', false), 0.001)
    .option('--train-limit <n>', 'use only the first n training images', number('--train-limit', true))
    .option('--test-limit <n>', 'use only the first n test images', number('--test-limit', true))
    .option('--seed <n>', 'seed for init, shuffling and dropout', number('--seed', true), 42)
    .addOption(new Option('--backend <name>', 'force a backend (default: best available)').choices(['tensorflow', 'wasm', 'cpu']));
}

function trainingConfig(o: Record<string, unknown>) {
  return {
    dataset: o.dataset,
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    trainLimit: o.trainLimit,
    testLimit: o.testLimit,
    seed: o.seed,
    backend: o.backend,
  };
}

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
    const rows = runs.map((r) => [r.name?.replace(/^kd: /, '') ?? modelLabel(r), r.id, r.status, int(r.summary.params), acc(r.summary.test_accuracy)]);
    const failed = runs.find((r) => r.status === 'failed');
    print(
      `\n${title}\n${table(['model', 'run', 'status', 'parameters', 'test accuracy'], rows)}${failed ? `\n\nrun ${failed.id} failed: ${failed.error}` : ''}`,
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
    .description(`Keras-style layer table of a model (${CLASSIFIER_MODELS.join(', ')})`)
    .action(async (name: string) => {
      if (!CLASSIFIER_MODELS.includes(name as ClassifierModel)) throw new ValidationError(`model: must be one of ${CLASSIFIER_MODELS.join(', ')}, got "${name}"`);
      await initBackend('cpu');
      const s = summarize(buildClassifier(name as ClassifierModel));
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
