import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import type { Run } from '../contract/api.js';
import { csvField, recordsToCsv, runRecord, toCsv } from './csv.js';
import { formatCell, renderHtmlReport } from './html.js';
import { lineChartSvg, niceTicks, scatterChartSvg } from './svg.js';

test('CSV fields are quoted per RFC 4180', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\r'), '"cr\r"');
  assert.equal(csvField(null), '');
  assert.equal(csvField(undefined), '');
  assert.equal(csvField(0.1), '0.1');
  assert.equal(csvField(false), 'false');
  assert.equal(csvField({ a: 1 }), '"{""a"":1}"');
  assert.equal(toCsv(['x', 'y'], [[1, 'a,b'], [null, '"']]), 'x,y\r\n1,"a,b"\r\n,""""\r\n');
  assert.equal(recordsToCsv([{ a: 1 }, { b: 2, a: 3 }]), 'a,b\r\n1,\r\n3,2\r\n');
});

test('a run flattens to one CSV record: size card, summary, finals, config paths', () => {
  const run: Run = {
    id: 'ab12', kind: 'prune', status: 'completed', name: 'p, 90%', dataset: 'mnist', model: 'student',
    config: { kind: 'prune', sparsity: 0.9, layerSparsity: { FC1: 0.95 } }, seed: 1, backend: 'cpu', device: 'CPU', backendVersion: 'x',
    createdAt: 'c', startedAt: 's', finishedAt: 'f', error: null, summary: { test_accuracy: 0.97 }, tags: ['a', 'b'], note: '', parents: [], children: [],
  };
  const rec = runRecord(run, { test_loss: 0.1 });
  assert.equal(rec['summary.test_accuracy'], 0.97);
  assert.equal(rec['final.test_loss'], 0.1);
  assert.equal(rec['config.layerSparsity.FC1'], 0.95);
  assert.equal(rec.tags, 'a b');
  const csv = recordsToCsv([rec]);
  const [head, row] = csv.split('\r\n');
  assert.ok(head.startsWith('id,name,kind,status,model,dataset,'));
  assert.ok(row.startsWith('ab12,"p, 90%",prune,completed,student,mnist,'));
});

test('nice ticks by hand', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(3, 97, 5), [20, 40, 60, 80]);
  assert.deepEqual(niceTicks(-1, 1, 4), [-1, -0.5, 0, 0.5, 1]);
});

function tinyPng(): Buffer {
  const p = new PNG({ width: 2, height: 1 });
  p.data.set([255, 0, 0, 255, 0, 0, 255, 255]);
  return PNG.sync.write(p);
}

test('the HTML report is self-contained: escaped tables, PNG data URIs, inline SVG charts, nothing fetched', () => {
  const png = tinyPng();
  const html = renderHtmlReport({
    title: 'Compare <3 runs>',
    subtitle: 'A & B',
    sections: [
      { heading: 'Summary', blocks: [{ type: 'table', columns: ['run', 'acc', 'bytes'], rows: [['<script>alert(1)</script>', 0.98765, 1234567], ['b "q"', null, 12]], caption: 'runs' }] },
      { heading: 'Samples', blocks: [{ type: 'image', png, alt: 'grid "x"', caption: 'samples' }, { type: 'text', text: 'see https://example.com <b>' }] },
      {
        heading: 'Charts',
        blocks: [
          { type: 'line', title: 'loss', xLabel: 'step', yLabel: 'loss', series: [{ name: 'run <a>', x: [1, 2, 3], y: [1, 0.5, 0.25] }, { name: 'b', x: [1], y: [2] }], logY: true },
          { type: 'scatter', title: 'acc vs bytes', points: [{ label: 'a', x: 100, y: 0.9, highlight: true }, { label: 'b', x: 200, y: 0.8 }, { label: 'c', x: 50, y: 0.85, highlight: true }], logX: true },
        ],
      },
    ],
  });
  // Escaping: the script text is shown, not run; attribute quotes are escaped.
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(!/<script/i.test(html));
  assert.ok(html.includes('<title>Compare &lt;3 runs&gt;</title>'));
  assert.ok(html.includes('alt="grid &quot;x&quot;"'));
  assert.ok(html.includes('<td class="num">0.9877</td>') && html.includes('<td class="num">1,234,567</td>') && html.includes('<td>–</td>'));
  // The image is embedded byte for byte.
  assert.ok(html.includes(`src="data:image/png;base64,${png.toString('base64')}"`));
  // Charts are inline SVG with the series name (escaped) and a highlighted front line.
  assert.equal((html.match(/<svg /g) ?? []).length, 2);
  assert.ok(html.includes('run &lt;a&gt;'));
  // Nothing external: every src/href is a data: URI, no <link>, no url(), no http(s) reference outside text the user wrote (escaped text).
  for (const m of html.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/g)) assert.ok(m[1].startsWith('data:'), m[1]);
  assert.ok(!/<link\b/i.test(html) && !/url\(/i.test(html) && !/@import/i.test(html));
  const withoutText = html.replace('see https://example.com &lt;b&gt;', '');
  assert.ok(!/https?:\/\//i.test(withoutText), 'no http(s) URL in markup');
  assert.ok(html.includes(`default-src 'none'`));
  assert.throws(() => renderHtmlReport({ title: 't', sections: [{ heading: 'h', blocks: [{ type: 'image', png: Buffer.from('GIF89a'), alt: '' }] }] }), /not a PNG/);
});

test('charts place points where the axes say', () => {
  // x 0..10 over the plot area from 64 to 640 − 16 = 624; the point at x = 5 sits at 64 + 0.5·560 = 344.
  const svg = lineChartSvg({ type: 'line', series: [{ name: 's', x: [0, 5, 10], y: [0, 1, 2] }] });
  assert.ok(svg.includes('points="64.0,'), svg.slice(0, 300));
  assert.ok(/points="64\.0,[\d.]+ 344\.0,[\d.]+ 624\.0,/.test(svg));
  // Non-finite points are skipped; empty charts still render.
  assert.ok(scatterChartSvg({ type: 'scatter', points: [{ label: 'bad', x: NaN, y: 1 }] }).startsWith('<svg'));
  assert.equal(formatCell(1e-5), '1.000e-5');
});
