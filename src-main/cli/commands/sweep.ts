// `distillery sweep <kind> [flags…] --vary NAME=SPEC … --seeds N`: a grid of
// runs of one kind through the queue (Settings' concurrency), then the
// table of settings with each metric's mean ± std over seeds.
import { Command, Option } from 'commander';
import type { SweepView } from '../../contract/analysis/sweep.js';
import type { ApiEvent } from '../../contract/api.js';
import { ValidationError } from '../../contract/errors.js';
import { fieldsOf } from '../../contract/fields.js';
import { flagFor, KIND_LIST } from '../../contract/kinds/index.js';
import { settingLabel, type Vary } from '../../contract/sweeps/spec.js';
import type { Service } from '../../service/service.js';
import { parseSweepConfig } from '../../service/sweeps.js';
import type { CliContext } from '../context.js';
import { table } from '../format.js';
import { addSchemaOptions, numberArg, withFlagNames } from '../schema-options.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** NAME=SPEC with NAME a flag of the kind (`temperature`, `learning-rate`, `teacher`) or its config field. */
function parseVary(kind: string, raw: string[]): Vary[] {
  const fields = fieldsOf(KIND_LIST.find((k) => k.kind === kind)!.schema);
  return raw.map((r) => {
    const at = r.indexOf('=');
    if (at <= 0) throw new ValidationError(`--vary: write NAME=SPEC (e.g. temperature=1,2,4 or learning-rate=log:1e-4..1e-2:5), got "${r}"`, 'vary');
    const name = r.slice(0, at).trim().replace(/^--/, '');
    const f = fields.find((x) => flagFor(kind, x.name) === `--${name}` || x.name === name);
    if (!f || f.meta.internal || f.name === 'kind') throw new ValidationError(`--vary: "${name}" is not a flag of \`distillery run ${kind}\``, 'vary');
    return { field: f.name, spec: r.slice(at + 1) };
  });
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toFixed(4));

/** The sweep's table: one row per setting, mean ± std over seeds of its key metrics. */
export function sweepTable(view: SweepView, label: (field: string) => string): string {
  const preferred = ['test_accuracy', 'test_loss', 'test_recon_loss', 'test_elbo', 'test_nll', 'micronet_score', 'compression_ratio'];
  const metrics = preferred.filter((m) => view.metrics.includes(m));
  const shown = metrics.length ? metrics : view.metrics.slice(0, 3);
  const runOf = (id: string | null) => (id ? view.members.find((m) => m.runId === id) : undefined);
  const rows = view.settings.map((s) => [
    settingLabel(s.values, label),
    `${s.statuses.completed ?? 0}/${s.runIds.length}`,
    ...shown.map((m) => (s.metrics[m] ? `${fmt(s.metrics[m].mean)} ± ${fmt(s.metrics[m].std)}` : '')),
    ...(shown[0] && s.metrics[shown[0]]?.best ? [`${runOf(s.metrics[shown[0]].best)?.seed ?? ''} / ${runOf(s.metrics[shown[0]].worst)?.seed ?? ''}`] : ['']),
  ]);
  return table(['setting', 'done', ...shown.map((m) => `${m} (mean ± std)`), `best / worst seed${shown[0] ? ` (${shown[0]})` : ''}`], rows);
}

/** Follows a started sweep: a line per run started and ended, Ctrl-C cancels it whole. */
export async function followSweep(ctx: CliContext, svc: Service, sweepId: string, finished: Promise<unknown>): Promise<SweepView> {
  const total = svc.store.sweepMembers(sweepId).length;
  const quiet = ctx.json;
  const seen = new Map<string, string>();
  let ended = 0;
  const onApi = (e: ApiEvent) => {
    if (e.type !== 'run' || e.run.sweep?.id !== sweepId || seen.get(e.run.id) === e.run.status) return;
    seen.set(e.run.id, e.run.status);
    if (e.run.status === 'running') !quiet && process.stderr.write(`started ${e.run.id}: ${e.run.name?.replace(/^sweep \w+: /, '')}\n`);
    else if (e.run.status !== 'queued') {
      ended++;
      const acc = e.run.summary.test_accuracy;
      if (!quiet) process.stderr.write(`[${ended}/${total}] ${e.run.id} ${e.run.status}${typeof acc === 'number' ? ` (test accuracy ${(acc * 100).toFixed(2)}%)` : ''}${e.run.error ? `: ${e.run.error}` : ''}\n`);
    }
  };
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    process.stderr.write(interrupts === 1 ? '\ncancelling the sweep: queued runs are withdrawn, running ones stop after their step and keep their weights (Ctrl-C again to stop at once)\n' : '\nstopping now\n');
    if (interrupts === 1) svc.cancel(sweepId);
    else svc.runner.killAll();
  };
  svc.on('api', onApi);
  process.on('SIGINT', onSigint);
  // The first runs may have started before this listened.
  for (const run of svc.store.sweepMembers(sweepId)) if (run.status === 'running') onApi({ type: 'run', run });
  try {
    await finished;
  } finally {
    svc.off('api', onApi);
    process.off('SIGINT', onSigint);
  }
  return svc.getSweep(sweepId);
}

/** Prints the finished sweep and sets the exit code from its status. */
export function reportSweep(ctx: CliContext, view: SweepView, label: (field: string) => string): void {
  const s = view.sweep;
  const err = s.error ? `\n\n${s.error}${s.status === 'failed' || s.status === 'cancelled' ? ` (distillery resume ${s.id})` : ''}` : '';
  ctx.print(`\nSweep ${s.id} (${view.kind}, ${view.members.length} runs): ${s.status}\n${sweepTable(view, label)}${err}`, view);
  if (s.status === 'failed' || s.status === 'interrupted') process.exitCode = 1;
  else if (s.status === 'cancelled') process.exitCode = 130;
}

export function registerSweep(program: Command, ctx: CliContext): void {
  const sweep = program
    .command('sweep')
    .description('start a grid of runs of one kind: vary fields with --vary NAME=SPEC, several seeds per setting with --seeds N')
    .addHelpText(
      'after',
      '\nSPEC: a list 1,2,4,8 · a range lin:0.1..0.9:5 or log:1e-4..1e-2:5 (N points) · a draw uniform:0.1..0.9 or loguniform:1e-4..1e-2 (with --samples N)\nExample: distillery sweep distill --teacher 1a2b --epochs 10 --vary temperature=1,2,4,8,16,20 --seeds 3',
    );
  for (const def of KIND_LIST.filter((k) => k.group !== 'sweep' && k.group !== 'report')) {
    const cmd = sweep.command(def.kind).description(`sweep ${def.label.toLowerCase()} runs: ${def.help}`);
    const opts = addSchemaOptions(cmd, def.schema, def);
    // A field may be required of the kind yet given by --vary (the teacher): the members' schema checks it.
    for (const o of cmd.options) (o as Option & { mandatory: boolean }).mandatory = false;
    cmd.addOption(new Option('--vary <name=spec>', 'a field to vary and its values (repeatable)').argParser(collect).makeOptionMandatory());
    cmd.addOption(new Option('--seeds <n>', 'runs per setting; seed k uses the base seed + k (default: 1)').argParser(numberArg('--seeds', true)));
    cmd.addOption(new Option('--samples <n>', 'random draws for uniform:/loguniform: specs').argParser(numberArg('--samples', true)));
    const label = (field: string) => opts.flagOf(field) ?? field;
    const bare = (field: string) => label(field).replace(/^--(no-)?/, '');
    cmd.action(async (o: Record<string, unknown>) => {
      await ctx.withService(async (svc) => {
        try {
          const vary = parseVary(def.kind, o.vary as string[]);
          const config = parseSweepConfig({ kind: 'sweep', base: { kind: def.kind, ...opts.toConfig(o) }, vary, seeds: o.seeds, samples: o.samples });
          const plan = svc.planSweep(config, label);
          if (!ctx.json) process.stderr.write(`sweep: ${plan.settings.length} setting(s) × ${config.seeds} seed(s) = ${plan.members.length} runs, ${svc.getSettings().concurrency} at a time\n`);
          const started = svc.sweeps.start(plan);
          if (!ctx.json) process.stderr.write(`sweep ${started.run.id}: every run validated and queued (distillery show ${started.run.id}; Ctrl-C cancels it)\n`);
          reportSweep(ctx, await followSweep(ctx, svc, started.run.id, started.finished), bare);
        } catch (e) {
          throw withFlagNames(e, (f) => (['vary', 'seeds', 'samples'].includes(f) ? `--${f}` : opts.flagOf(f)));
        }
      });
    });
  }
}
