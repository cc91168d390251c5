import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLayers, importsOf, type SourceFile } from './layers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
function sources(dir: string): SourceFile[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(ts|svelte|mjs)$/.test(name) ? [{ path: relative(root, p).split('\\').join('/'), source: readFileSync(p, 'utf8') }] : [];
  });
}

test('every file keeps to the layering rules', () => {
  const files = [...sources(join(root, 'src-main')), ...sources(join(root, 'src-renderer'))];
  assert.ok(files.length > 100, `found the sources (${files.length})`);
  assert.deepEqual(checkLayers(files), []);
});

test('the rules catch a forbidden import (fixtures)', () => {
  const bad: SourceFile[] = [
    { path: 'src-main/ml/train/x.ts', source: "import { Store } from '../../db/store.js';" },
    { path: 'src-main/contract/x.ts', source: "import { readFileSync } from 'node:fs';\nimport type { Run } from '../db/store.js';" },
    { path: 'src-renderer/views/X.svelte', source: "<script lang=\"ts\">\n  import { Service } from '../../src-main/service/service.js';\n</script>" },
    { path: 'src-main/jobs/x.ts', source: "const s = await import('../service/service.js');" },
    { path: 'src-main/db/x.ts', source: "export { runJob } from '../jobs/runners.js';" },
  ];
  const v = checkLayers(bad);
  assert.deepEqual(
    v.map((x) => [x.file, x.imports]),
    [
      ['src-main/ml/train/x.ts', '../../db/store.js'],
      ['src-main/contract/x.ts', 'node:fs'],
      ['src-main/contract/x.ts', '../db/store.js'],
      ['src-renderer/views/X.svelte', '../../src-main/service/service.js'],
      ['src-main/jobs/x.ts', '../service/service.js'],
      ['src-main/db/x.ts', '../jobs/runners.js'],
    ],
  );
  const good: SourceFile[] = [
    { path: 'src-renderer/lib/x.ts', source: "import { KINDS } from '../../src-main/contract/kinds/index.js';\nimport uPlot from 'uplot';" },
    { path: 'src-main/service/x.ts', source: "import { runJob } from '../jobs/runners.js';" },
    { path: 'src-main/ml/x.test.ts', source: "import { Service } from '../service/service.js';" },
  ];
  assert.deepEqual(checkLayers(good), []);
});

test('imports are found in every form', () => {
  const src = `import a from 'a';\nimport { b } from "b";\nimport type { C } from './c.js';\nexport * from './d.js';\nexport { e } from './e.js';\nimport './side.js';\nconst f = await import('./f.js');\nimport {\n  g,\n  h,\n} from './gh.js';`;
  assert.deepEqual(importsOf(src), ['a', 'b', './c.js', './d.js', './e.js', './side.js', './f.js', './gh.js']);
});
