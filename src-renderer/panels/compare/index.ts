// The compare view's panels, in display order. A panel is one component and
// a predicate on the compared runs; adding one is a file in this folder and
// a row here (as panels/run/index.ts for the run view).
import type { Component } from 'svelte';
import { leavesOf } from '../../../src-main/contract/kinds/index.js';
import { LATENT_KINDS, type CompareState } from '../../lib/compare.svelte.js';
import ClassesPanel from './ClassesPanel.svelte';
import ConfigDiffPanel from './ConfigDiffPanel.svelte';
import CurvesPanel from './CurvesPanel.svelte';
import DistillPanel from './DistillPanel.svelte';
import ImagesPanel from './ImagesPanel.svelte';
import MetricsPanel from './MetricsPanel.svelte';
import SummaryTablePanel from './SummaryTablePanel.svelte';
import VaePanel from './VaePanel.svelte';

export interface ComparePanel {
  id: string;
  component: Component<{ cmp: CompareState }>;
  /** Shown only when this holds for the compared runs. */
  applies: (s: CompareState) => boolean;
  /** Takes the full width (else half, two panels a row). */
  wide?: boolean;
}

/** Selected runs taught by a selected teacher: [teacher, students]. */
export function teacherAndStudents(s: CompareState): { teacher: string; students: string[] } | null {
  for (const r of s.runs) {
    const students = s.runs.filter((x) => x.parents.some((p) => p.role === 'teacher' && p.id === r.id) && leavesOf(x.kind) === 'classifier').map((x) => x.id);
    if (students.length) return { teacher: r.id, students };
  }
  return null;
}

export const COMPARE_PANELS: ComparePanel[] = [
  { id: 'curves', component: CurvesPanel, applies: () => true, wide: true },
  { id: 'summary', component: SummaryTablePanel, applies: () => true, wide: true },
  { id: 'metrics', component: MetricsPanel, applies: () => true, wide: true },
  { id: 'distill', component: DistillPanel, applies: (s) => teacherAndStudents(s) !== null, wide: true },
  { id: 'classes', component: ClassesPanel, applies: (s) => s.runs.some((r) => leavesOf(r.kind) === 'classifier'), wide: true },
  { id: 'images', component: ImagesPanel, applies: (s) => s.runs.some((r) => LATENT_KINDS.includes(r.kind)), wide: true },
  { id: 'vae', component: VaePanel, applies: (s) => s.runs.some((r) => r.kind === 'vae' || r.kind === 'dirvae'), wide: true },
  { id: 'config', component: ConfigDiffPanel, applies: () => true, wide: true },
];
