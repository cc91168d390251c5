// The run view's panels, in display order. A panel is one component and a
// predicate on the run; adding one is a file in this folder and a row here.
import type { Component } from 'svelte';
import type { RunViewState } from '../../lib/run-view.svelte.js';
import { isPerLayerMetric } from '../../../src-main/contract/analysis/layers.js';
import ConfigPanel from './ConfigPanel.svelte';
import CurvesPanel from './CurvesPanel.svelte';
import ExportPanel from './ExportPanel.svelte';
import LayersPanel from './LayersPanel.svelte';
import LogPanel from './LogPanel.svelte';
import NotesPanel from './NotesPanel.svelte';
import ProgressPanel from './ProgressPanel.svelte';
import ProvenancePanel from './ProvenancePanel.svelte';
import ReportPanel from './ReportPanel.svelte';
import ResultsPanel from './ResultsPanel.svelte';
import SensitivityPanel from './SensitivityPanel.svelte';
import SizeCardPanel from './SizeCardPanel.svelte';
import SoftenPanel from './SoftenPanel.svelte';
import SpectrumPanel from './SpectrumPanel.svelte';
import SummaryPanel from './SummaryPanel.svelte';
import SweepCurvesPanel from '../sweep/SweepCurvesPanel.svelte';
import SweepFieldPanel from '../sweep/SweepFieldPanel.svelte';
import SweepParallelPanel from '../sweep/SweepParallelPanel.svelte';
import SweepTablePanel from '../sweep/SweepTablePanel.svelte';

export interface RunPanel {
  id: string;
  component: Component<{ view: RunViewState }>;
  /** Shown only when this holds for the run. */
  applies: (v: RunViewState) => boolean;
  /** Takes the full width (else half, two panels a row). */
  wide?: boolean;
}

const hasMetrics = (v: RunViewState) => v.metrics.some((m) => m.scope !== 'final');
// A sweep has no job process of its own: its page is its runs' statistics.
const isSweep = (v: RunViewState) => v.run?.kind === 'sweep';
const hasFinal = (v: RunViewState, test: (name: string) => boolean) => v.metrics.some((m) => m.scope === 'final' && test(m.name));

export const RUN_PANELS: RunPanel[] = [
  { id: 'report', component: ReportPanel, applies: (v) => v.run?.kind === 'report' && v.artifacts.some((a) => a.name === 'report.json'), wide: true },
  { id: 'sweep-table', component: SweepTablePanel, applies: isSweep, wide: true },
  { id: 'sweep-parallel', component: SweepParallelPanel, applies: isSweep, wide: true },
  { id: 'sweep-field', component: SweepFieldPanel, applies: (v) => isSweep(v) && ((v.run?.config.vary as unknown[]) ?? []).length <= 2, wide: true },
  { id: 'sweep-curves', component: SweepCurvesPanel, applies: isSweep, wide: true },
  { id: 'progress', component: ProgressPanel, applies: (v) => !isSweep(v) && (v.live || !!v.progress), wide: true },
  { id: 'curves', component: CurvesPanel, applies: (v) => !isSweep(v) && (v.live || hasMetrics(v)), wide: true },
  { id: 'layers', component: LayersPanel, applies: (v) => hasFinal(v, (n) => isPerLayerMetric(n) && !n.startsWith('sensitivity/')), wide: true },
  { id: 'sensitivity', component: SensitivityPanel, applies: (v) => hasFinal(v, (n) => n.startsWith('sensitivity/')), wide: true },
  { id: 'spectrum', component: SpectrumPanel, applies: (v) => hasFinal(v, (n) => n.startsWith('singular_value/')), wide: true },
  { id: 'results', component: ResultsPanel, applies: (v) => hasFinal(v, (n) => !isPerLayerMetric(n)) || v.artifacts.some((a) => a.kind === 'image' || a.name === 'latent/usage.json'), wide: true },
  { id: 'soften', component: SoftenPanel, applies: (v) => v.leaves === 'classifier' && v.run?.status === 'completed', wide: true },
  { id: 'sizecard', component: SizeCardPanel, applies: (v) => v.leaves === 'classifier' && !!v.run?.sizeCard },
  { id: 'export', component: ExportPanel, applies: (v) => v.leaves === 'classifier' && v.run?.status === 'completed', wide: true },
  { id: 'summary', component: SummaryPanel, applies: () => true },
  { id: 'config', component: ConfigPanel, applies: () => true },
  // Sweeps and reports are made by the service from other runs: their provenance is their runs'.
  { id: 'provenance', component: ProvenancePanel, applies: (v) => !isSweep(v) && v.run?.kind !== 'report' },
  { id: 'notes', component: NotesPanel, applies: () => true },
  { id: 'log', component: LogPanel, applies: () => true },
];
