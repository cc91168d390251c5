// A tiny SVG plotter for reports: line charts (metric curves of several runs)
// and scatter plots (trade-offs, Pareto front highlighted). Reports must open
// offline from a single file, so charts are drawn as inline SVG strings
// rather than by a charting library at view time.

export interface LineSeries {
  name: string;
  x: number[];
  y: number[];
}

export interface LineChart {
  type: 'line';
  title?: string;
  xLabel?: string;
  yLabel?: string;
  series: LineSeries[];
  logY?: boolean;
  width?: number;
  height?: number;
}

export interface ScatterPoint {
  label: string;
  x: number;
  y: number;
  /** Drawn filled and joined by a line (e.g. the Pareto front). */
  highlight?: boolean;
}

export interface ScatterChart {
  type: 'scatter';
  title?: string;
  xLabel?: string;
  yLabel?: string;
  points: ScatterPoint[];
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** About `count` round tick values (1, 2, 5 × 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : +v.toPrecision(12));
  return ticks;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(1);
  return +v.toPrecision(4) + '';
}

interface Axis {
  lo: number;
  hi: number;
  log: boolean;
}

/** The axis range of `values` (log10 units on a log axis), widened by `pad` of its span on each side so marks clear the frame. */
function axisOf(values: number[], log: boolean, pad = 0): Axis {
  const v = values.filter((x) => Number.isFinite(x) && (!log || x > 0)).map((x) => (log ? Math.log10(x) : x));
  if (v.length === 0) return { lo: 0, hi: 1, log };
  let lo = v.reduce((a, b) => Math.min(a, b));
  let hi = v.reduce((a, b) => Math.max(a, b));
  if (lo === hi) (lo -= log ? 0.5 : Math.abs(lo) * 0.1 || 1), (hi += log ? 0.5 : Math.abs(hi) * 0.1 || 1);
  const span = hi - lo;
  return { lo: lo - pad * span, hi: hi + pad * span, log };
}

const tv = (a: Axis, v: number) => (a.log ? Math.log10(v) : v);

function ticksOf(a: Axis): { value: number; at: number }[] {
  if (!a.log) return niceTicks(a.lo, a.hi).map((v) => ({ value: v, at: v }));
  const out: { value: number; at: number }[] = [];
  for (let k = Math.ceil(a.lo); k <= Math.floor(a.hi); k++) out.push({ value: 10 ** k, at: k });
  return out.length ? out : [{ value: 10 ** a.lo, at: a.lo }];
}

/** Frame, ticks, labels and a plot-area mapping shared by both chart types. */
function frame(c: { title?: string; xLabel?: string; yLabel?: string; width?: number; height?: number }, xa: Axis, ya: Axis) {
  const W = c.width ?? 640;
  const H = c.height ?? 360;
  const m = { l: 64, r: 16, t: c.title ? 28 : 12, b: 44 };
  const px = (v: number) => m.l + ((tv(xa, v) - xa.lo) / (xa.hi - xa.lo || 1)) * (W - m.l - m.r);
  const py = (v: number) => H - m.b - ((tv(ya, v) - ya.lo) / (ya.hi - ya.lo || 1)) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#999"/>`);
  for (const t of ticksOf(xa)) {
    const x = m.l + ((t.at - xa.lo) / (xa.hi - xa.lo || 1)) * (W - m.l - m.r);
    parts.push(`<line x1="${x.toFixed(1)}" y1="${m.t}" x2="${x.toFixed(1)}" y2="${H - m.b}" stroke="#eee"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${H - m.b + 14}" text-anchor="middle">${escapeXml(fmt(t.value))}</text>`);
  }
  for (const t of ticksOf(ya)) {
    const y = H - m.b - ((t.at - ya.lo) / (ya.hi - ya.lo || 1)) * (H - m.t - m.b);
    parts.push(`<line x1="${m.l}" y1="${y.toFixed(1)}" x2="${W - m.r}" y2="${y.toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${escapeXml(fmt(t.value))}</text>`);
  }
  if (c.title) parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-weight="bold">${escapeXml(c.title)}</text>`);
  if (c.xLabel) parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle">${escapeXml(c.xLabel)}</text>`);
  if (c.yLabel) parts.push(`<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(c.yLabel)}</text>`);
  const open = `<svg class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11" role="img"${c.title ? ` aria-label="${escapeXml(c.title)}"` : ''}>`;
  return { W, H, m, px, py, parts, open };
}

export function lineChartSvg(c: LineChart): string {
  const log = !!c.logY;
  const xa = axisOf(c.series.flatMap((s) => s.x), false);
  const ya = axisOf(c.series.flatMap((s) => s.y), log, 0.03);
  const f = frame(c, xa, ya);
  c.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const pts: string[] = [];
    for (let k = 0; k < Math.min(s.x.length, s.y.length); k++) {
      if (!Number.isFinite(s.x[k]) || !Number.isFinite(s.y[k]) || (log && s.y[k] <= 0)) continue;
      pts.push(`${f.px(s.x[k]).toFixed(1)},${f.py(s.y[k]).toFixed(1)}`);
    }
    if (pts.length === 1) f.parts.push(`<circle cx="${pts[0].split(',')[0]}" cy="${pts[0].split(',')[1]}" r="2.5" fill="${color}"/>`);
    else if (pts.length) f.parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.join(' ')}"><title>${escapeXml(s.name)}</title></polyline>`);
    // Legend, top right inside the plot.
    const ly = f.m.t + 14 + i * 14;
    f.parts.push(`<line x1="${f.W - f.m.r - 150}" y1="${ly - 4}" x2="${f.W - f.m.r - 134}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`);
    f.parts.push(`<text x="${f.W - f.m.r - 130}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  return `${f.open}${f.parts.join('')}</svg>`;
}

export function scatterChartSvg(c: ScatterChart): string {
  const ok = c.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!c.logX || p.x > 0) && (!c.logY || p.y > 0));
  const xa = axisOf(ok.map((p) => p.x), !!c.logX, 0.06);
  const ya = axisOf(ok.map((p) => p.y), !!c.logY, 0.06);
  const f = frame(c, xa, ya);
  const front = ok.filter((p) => p.highlight).sort((a, b) => a.x - b.x);
  if (front.length > 1) f.parts.push(`<polyline fill="none" stroke="${PALETTE[1]}" stroke-dasharray="4 3" points="${front.map((p) => `${f.px(p.x).toFixed(1)},${f.py(p.y).toFixed(1)}`).join(' ')}"/>`);
  for (const p of ok) {
    const [x, y] = [f.px(p.x).toFixed(1), f.py(p.y).toFixed(1)];
    f.parts.push(
      `<circle cx="${x}" cy="${y}" r="4" fill="${p.highlight ? PALETTE[1] : 'none'}" stroke="${p.highlight ? PALETTE[1] : PALETTE[0]}"><title>${escapeXml(`${p.label}: ${fmt(p.x)}, ${fmt(p.y)}`)}</title></circle>`,
      `<text x="${(+x + 6).toFixed(1)}" y="${(+y - 6).toFixed(1)}" fill="#444">${escapeXml(p.label)}</text>`,
    );
  }
  return `${f.open}${f.parts.join('')}</svg>`;
}
