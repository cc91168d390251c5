// One self-contained HTML report (comparison tables, sample images, charts)
// that opens offline and can be mailed or archived as a single file: styles
// inline, images as data: URIs, charts as inline SVG, no scripts, and a
// Content-Security-Policy that forbids fetching anything.
import { escapeXml, lineChartSvg, scatterChartSvg, type LineChart, type ScatterChart } from './svg.js';

export type Cell = string | number | boolean | null | undefined;

export type ReportBlock =
  | { type: 'text'; text: string }
  | { type: 'table'; columns: string[]; rows: Cell[][]; caption?: string }
  /** PNG bytes, or their base64. */
  | { type: 'image'; png: Uint8Array | string; alt: string; caption?: string; width?: number }
  | LineChart
  | ScatterChart;

export interface ReportSection {
  heading: string;
  blocks: ReportBlock[];
}

export interface Report {
  title: string;
  subtitle?: string;
  /** ISO time shown under the title; omitted when absent (reproducible output). */
  generatedAt?: string;
  sections: ReportSection[];
}

export const escapeHtml = escapeXml;

/** Table cell text: integers grouped, other numbers to 4 significant digits, missing as an en dash. */
export function formatCell(v: Cell): string {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? String(+v.toPrecision(4)) : v.toExponential(3);
  return String(v);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function pngDataUri(png: Uint8Array | string): string {
  const bytes = typeof png === 'string' ? Buffer.from(png, 'base64') : Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) throw new Error('report image: not a PNG (signature missing)');
  return `data:image/png;base64,${bytes.toString('base64')}`;
}

function block(b: ReportBlock): string {
  switch (b.type) {
    case 'text':
      return `<p>${escapeHtml(b.text)}</p>`;
    case 'table': {
      const head = `<tr>${b.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
      const body = b.rows.map((r) => `<tr>${r.map((v) => `<td${typeof v === 'number' ? ' class="num"' : ''}>${escapeHtml(formatCell(v))}</td>`).join('')}</tr>`).join('\n');
      return `<table>${b.caption ? `<caption>${escapeHtml(b.caption)}</caption>` : ''}<thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
    }
    case 'image':
      return `<figure><img src="${pngDataUri(b.png)}" alt="${escapeHtml(b.alt)}"${b.width ? ` width="${Math.round(b.width)}"` : ''}>${b.caption ? `<figcaption>${escapeHtml(b.caption)}</figcaption>` : ''}</figure>`;
    case 'line':
      return `<figure>${lineChartSvg(b)}</figure>`;
    case 'scatter':
      return `<figure>${scatterChartSvg(b)}</figure>`;
  }
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{margin-bottom:.2em}.sub{color:#666;margin-top:0}
table{border-collapse:collapse;margin:1em 0;font-size:13px}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:bold;padding:4px 0}
figure{margin:1em 0}figcaption{color:#555;font-size:13px}img{image-rendering:pixelated}`;

export function renderHtmlReport(r: Report): string {
  const sections = r.sections.map((s) => `<section>\n<h2>${escapeHtml(s.heading)}</h2>\n${s.blocks.map(block).join('\n')}\n</section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(r.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(r.title)}</h1>
${r.subtitle || r.generatedAt ? `<p class="sub">${escapeHtml([r.subtitle, r.generatedAt && `Generated ${r.generatedAt}`].filter(Boolean).join(' · '))}</p>` : ''}
${sections}
</body>
</html>
`;
}
