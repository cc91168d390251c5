// The trade-off view's state: axes, filters, hover and selection, and the
// plot derived from the live run list (src-main/contract/analysis/tradeoffs.ts
// does the work). Choices are kept in localStorage across visits.
import { KINDS } from '../../src-main/contract/kinds/index.js';
import { lineageRoot, makeScale, metricDirection, tradeoffs, xAxis, X_AXES, yMetrics, type TradeoffFilter } from '../../src-main/contract/analysis/tradeoffs.js';
import { runsState } from './runs.svelte.js';

const KEY = 'distillery.tradeoffs';

/** Plot geometry (SVG user units; the SVG scales to its box). */
export const PLOT = { width: 900, height: 460, left: 70, right: 20, top: 16, bottom: 46 };

/** A colour per kind: the classifier kinds get well-separated hues, the rest follow KINDS' order. */
const KIND_COLORS: Record<string, string> = { train: '#2f6fdb', distill: '#e67e22', prune: '#c0392b', quantize: '#27ae60', factorize: '#8e44ad', finetune: '#16a085' };
const PALETTE = ['#b7950b', '#e84393', '#00a8b5', '#6d4c41', '#7f8c8d', '#d35400'];
export function kindColor(kind: string): string {
  if (KIND_COLORS[kind]) return KIND_COLORS[kind];
  const i = Object.keys(KINDS).filter((k) => !KIND_COLORS[k]).indexOf(kind);
  return i < 0 ? '#888888' : PALETTE[i % PALETTE.length];
}

interface Saved {
  x: string;
  y: string;
  logX: boolean;
  logY: boolean;
  filter: TradeoffFilter;
  groupSweeps: boolean;
}

function load(): Saved {
  const d: Saved = { x: 'storedBytes', y: 'test_accuracy', logX: true, logY: false, filter: {}, groupSweeps: true };
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Saved>;
    return { ...d, ...s, filter: { ...(s.filter ?? {}) } };
  } catch {
    return d;
  }
}

export class TradeoffsState {
  x = $state('storedBytes');
  y = $state('test_accuracy');
  logX = $state(true);
  logY = $state(false);
  filter = $state<TradeoffFilter>({});
  /** A sweep's seeds of one setting as one point with error bars. */
  groupSweeps = $state(true);
  hover = $state<string | null>(null);
  selected = $state<string[]>([]);

  constructor() {
    const s = load();
    this.x = xAxis(s.x).id;
    this.y = s.y;
    this.logX = s.logX;
    this.logY = s.logY;
    this.filter = s.filter;
    this.groupSweeps = s.groupSweeps;
  }

  /** Opened from a sweep's page: only that sweep, one point per setting. */
  showSweep(id: string): void {
    this.filter = { sweep: id };
    this.groupSweeps = true;
    this.save();
  }

  save(): void {
    localStorage.setItem(KEY, JSON.stringify({ x: this.x, y: this.y, logX: this.logX, logY: this.logY, filter: this.filter, groupSweeps: this.groupSweeps }));
  }

  readonly runs = $derived(runsState.runs);
  readonly byId = $derived(new Map(this.runs.map((r) => [r.id, r])));
  readonly xAxes = X_AXES;
  readonly xLabel = $derived(xAxis(this.x).label);
  readonly yDirection = $derived(metricDirection(this.y));
  readonly yOptions = $derived.by(() => {
    const names = yMetrics(this.runs.filter((r) => r.status === 'completed' && r.sizeCard));
    return names.includes(this.y) ? names : [this.y, ...names];
  });

  /** Filter choices: what the plottable runs have. */
  private readonly plottable = $derived(this.runs.filter((r) => r.status === 'completed' && r.sizeCard));
  readonly datasets = $derived([...new Set(this.plottable.map((r) => r.dataset).filter((d): d is string => !!d))].sort());
  readonly kinds = $derived([...new Set(this.plottable.map((r) => r.kind))].sort());
  readonly tags = $derived([...new Set(this.plottable.flatMap((r) => r.tags))].sort());
  readonly roots = $derived.by(() => {
    const ids = new Set(this.plottable.map((r) => lineageRoot(r, this.byId)));
    return [...ids].map((id) => ({ id, label: `${id} · ${this.byId.get(id)?.name ?? this.byId.get(id)?.kind ?? ''}` }));
  });

  readonly sweeps = $derived(this.runs.filter((r) => r.kind === 'sweep').map((r) => ({ id: r.id, label: `${r.id} · ${r.name ?? 'sweep'}` })));
  readonly data = $derived(tradeoffs(this.runs, { x: this.x, y: this.y, logX: this.logX, filter: this.filter, groupSweeps: this.groupSweeps }));

  readonly sx = $derived(
    makeScale(
      this.data.points.map((p) => p.x),
      [PLOT.left, PLOT.width - PLOT.right],
      this.logX,
    ),
  );
  readonly sy = $derived(
    makeScale(
      // A sweep setting's error bar stays inside the plot.
      this.data.points.flatMap((p) => (p.group ? [p.y - p.group.yStd, p.y, p.y + p.group.yStd] : [p.y])).filter((v) => !this.logY || v > 0),
      [PLOT.height - PLOT.bottom, PLOT.top],
      this.logY && this.data.points.every((p) => p.y > 0),
    ),
  );
  readonly legend = $derived([...new Set(this.data.points.map((p) => p.run.kind))].sort().map((k) => ({ kind: k, color: kindColor(k) })));
  readonly hovered = $derived(this.data.points.find((p) => p.id === this.hover) ?? null);

  setFilter(key: keyof TradeoffFilter, value: string): void {
    this.filter = { ...this.filter, [key]: value || undefined };
    this.save();
  }

  /** Shift-click: add or remove a point from the selection. */
  toggle(id: string): void {
    this.selected = this.selected.includes(id) ? this.selected.filter((s) => s !== id) : [...this.selected, id];
  }

  /** Lasso (a dragged rectangle in plot units): selects the points inside, adding to the selection with shift. */
  selectRect(x0: number, y0: number, x1: number, y1: number, add: boolean): void {
    const [ax, bx] = [Math.min(x0, x1), Math.max(x0, x1)];
    const [ay, by] = [Math.min(y0, y1), Math.max(y0, y1)];
    const inside = this.data.points.filter((p) => {
      const px = this.sx(p.x);
      const py = this.sy(p.y);
      return px >= ax && px <= bx && py >= ay && py <= by;
    });
    const ids = inside.map((p) => p.id);
    this.selected = add ? [...new Set([...this.selected, ...ids])] : ids;
  }

  clearSelection(): void {
    this.selected = [];
  }

  /** Where the compare view opens for the selection. */
  readonly compareHref = $derived(`/compare?runs=${[...new Set(this.selected.flatMap((id) => this.data.points.find((p) => p.id === id)?.group?.runIds ?? [id]))].join(',')}`);
}
