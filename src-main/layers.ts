// The layering rules, checked by layers.test.ts on every file of the
// project: the renderer sees only the contract; the contract runs anywhere
// (no Node); ml/ knows nothing of the database, the service or jobs; job
// processes never reach up into the service. There is no exception list.
import { posix } from 'node:path';

export interface SourceFile {
  /** Path from the repository root, with forward slashes. */
  path: string;
  source: string;
}

export interface Violation {
  file: string;
  imports: string;
  rule: string;
}

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Module specifiers a TypeScript or Svelte file imports. */
export function importsOf(source: string): string[] {
  return [...source.matchAll(IMPORT_RE)].map((m) => m[1] ?? m[2]);
}

interface Rule {
  name: string;
  /** Files the rule applies to (path prefix). */
  from: string;
  /** True when `file` may not import `target` (a resolved repository path, or a package name). */
  forbids: (target: string, spec: string) => boolean;
}

const NODE_BUILTIN = /^(node:|fs$|path$|os$|child_process$|crypto$|url$|worker_threads$)/;
const under = (p: string, ...dirs: string[]) => dirs.some((d) => p.startsWith(d + '/'));

export const RULES: Rule[] = [
  { name: 'the renderer imports only src-main/contract/ from the main side', from: 'src-renderer/', forbids: (t) => under(t, 'src-main') && !under(t, 'src-main/contract') },
  { name: 'contract/ runs in the renderer too: no Node modules, nothing outside contract/', from: 'src-main/contract/', forbids: (t, spec) => NODE_BUILTIN.test(spec) || (t.startsWith('src-') && !under(t, 'src-main/contract')) },
  { name: 'ml/ never imports db/, service/, jobs/ or the hosts', from: 'src-main/ml/', forbids: (t) => under(t, 'src-main/db', 'src-main/service', 'src-main/jobs', 'src-main/cli', 'src-main/serve', 'src-main/app') },
  { name: 'jobs/ never imports service/ or the hosts', from: 'src-main/jobs/', forbids: (t) => under(t, 'src-main/service', 'src-main/cli', 'src-main/serve', 'src-main/app') },
  { name: 'db/ imports only contract/', from: 'src-main/db/', forbids: (t) => t.startsWith('src-') && !under(t, 'src-main/db', 'src-main/contract') },
];

/** Test files may import what they test from anywhere. */
const isTest = (p: string) => /\.test\.ts$/.test(p);

export function checkLayers(files: SourceFile[]): Violation[] {
  const out: Violation[] = [];
  for (const f of files) {
    if (isTest(f.path)) continue;
    for (const spec of importsOf(f.source)) {
      const target = spec.startsWith('.') ? posix.normalize(posix.join(posix.dirname(f.path), spec)) : spec;
      for (const r of RULES) if (f.path.startsWith(r.from) && r.forbids(target, spec)) out.push({ file: f.path, imports: spec, rule: r.name });
    }
  }
  return out;
}
