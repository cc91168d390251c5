// Method name → service call, for inputs already parsed by API_INPUTS.
// Transport adapters (HTTP here, IPC through it) stay free of app logic.
import { API_INPUTS, type ApiMethod } from '../contract/api.js';
import { AppError, toAppError } from '../contract/errors.js';
import { zodToValidation } from '../contract/jobs.js';
import type { Service } from './service.js';

type Handler = (svc: Service, input: any) => unknown | Promise<unknown>; // eslint-disable-line @typescript-eslint/no-explicit-any

const handlers: Record<ApiMethod, Handler> = {
  listRuns: (s, i) => s.listRuns(i),
  getRun: (s, i) => s.getRun(i.id),
  startJob: (s, i) => s.enqueueJob(i.config, i.name).run,
  startRecipe: (s, i) => s.enqueueRecipe(i.recipe, i.options),
  cancelRun: (s, i) => ({ cancelled: s.cancel(i.id) }),
  resumeRun: (s, i) => s.enqueueResume(i.id).run,
  deleteRuns: (s, i) => ({ deleted: s.deleteRuns(i.ids) }),
  updateRun: (s, i) => s.updateRun(i.id, i),
  soften: (s, i) => s.soften(i.id, i.image, i.temperature),
  getSettings: (s) => s.getSettings(),
  setSettings: (s, i) => s.setSettings(i),
  listDatasets: (s) => s.listDatasets(),
  getArtifact: (s, i) => s.getArtifact(i.id, i.artifactId),
  exportBundle: (s, i) => s.exportBundleData(i.ids),
  importBundle: (s, i) => s.importBundleData(i.dataBase64),
  compareRuns: (s, i) => s.compare(i),
  compareSeries: (s, i) => s.compareSeries(i),
  exportComparison: (s, i) => s.exportComparison(i),
  exportModel: (s, i) => s.exportModel(i.id, { format: i.format, out: i.out }),
  getSweep: (s, i) => s.getSweep(i.id),
  exportSweep: (s, i) => s.exportSweep(i.id, i.format),
};

export function isApiMethod(name: string): name is ApiMethod {
  return Object.hasOwn(API_INPUTS, name);
}

/** Validates `payload` for `method` and runs it; every failure becomes an AppError with its code. */
export async function dispatch(svc: Service, method: string, payload: unknown): Promise<unknown> {
  if (!isApiMethod(method)) throw new AppError('not_found', `no API method "${method}"`);
  const parsed = API_INPUTS[method].safeParse(payload ?? {});
  if (!parsed.success) throw zodToValidation(parsed.error);
  try {
    return await handlers[method](svc, parsed.data);
  } catch (e) {
    throw toAppError(e);
  }
}
