// `distillery show <run>`: config, per-epoch metrics, backend, lineage, artifacts.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { Run } from '../../db/store.js';
import { bytes, duration, int, runSeconds, table } from '../format.js';

/** Where and with what the run was computed. */
function provenanceLines(r: Run): string {
  const p = r.provenance;
  if (!p) return '\nprovenance\n  (not recorded: the run predates it)';
  const switches = Object.entries(p.switches).map(([k, v]) => `${k}=${v ?? '(unset)'}`).join('  ');
  return [
    '\nprovenance',
    `  distillery ${p.distillery.version}  commit ${p.distillery.commit ?? '(unknown: not a git checkout)'}`,
    `  tfjs-core ${p.tfjs.core}  backend ${p.tfjs.backend} (${p.tfjs.backendVersion})  device ${p.tfjs.device}`,
    `  switches ${switches}`,
    `  machine ${p.machine.cpu}, ${p.machine.cores} cores, ${bytes(p.machine.memoryBytes)} memory, ${p.machine.os} ${p.machine.arch}, Node ${p.machine.node}${p.machine.gpu ? `, GPU ${p.machine.gpu}` : ''}`,
    `  recorded ${p.recordedAt}`,
  ].join('\n');
}

export function registerShow(program: Command, ctx: CliContext): void {
  program
    .command('show <run-id>')
    .description('show one run: config, per-epoch metrics, backend, lineage, artifacts')
    .action(async (id: string) => {
      await ctx.withService(async (svc) => {
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
          `disk ${r.diskBytes != null ? bytes(r.diskBytes) : '-'}  checkpoint ${r.checkpoint ? `epoch ${r.checkpoint.epoch} (${bytes(r.checkpoint.bytes)}, ${r.checkpoint.path})${['interrupted', 'cancelled', 'failed'].includes(r.status) ? `: distillery resume ${r.id}` : ''}` : '-'}`,
          `\nconfig\n${Object.entries(r.config).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n')}`,
          `\nsummary\n${Object.entries(r.summary).map(([k, v]) => `  ${k}: ${v}`).join('\n') || '  (none)'}`,
          provenanceLines(r),
          `\nlineage\n  parents: ${r.parents.map((p) => `${p.id} (${p.role})`).join(', ') || '-'}\n  children: ${r.children.map((p) => `${p.id} (${p.role})`).join(', ') || '-'}`,
          `\nper-epoch metrics\n${metricRows.length ? table(['epoch', ...names], metricRows) : '  (none)'}`,
          `\nartifacts\n${d.artifacts.length ? table(['kind', 'name', 'size', 'sha256', 'path'], d.artifacts.map((a) => [a.kind, a.name, int(a.size), a.sha256.slice(0, 16), a.path])) : '  (none)'}`,
        ]
          .filter(Boolean)
          .join('\n');
        ctx.print(human, { ...d, metrics: perEpoch });
      });
    });

}
