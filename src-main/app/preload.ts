// Preload: exposes one typed API object to the sandboxed renderer. Nothing
// else from Node or Electron reaches the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiEvent, DistilleryApi } from '../contract/api.js';

const call = (method: string) => (input: unknown) => ipcRenderer.invoke('distillery:call', method, input);

const api: DistilleryApi = {
  listRuns: call('listRuns'),
  getRun: call('getRun'),
  startJob: call('startJob'),
  startKdRecipe: call('startKdRecipe'),
  cancelRun: call('cancelRun'),
  deleteRuns: call('deleteRuns'),
  updateRun: call('updateRun'),
  soften: call('soften'),
  getSettings: call('getSettings'),
  setSettings: call('setSettings'),
  listDatasets: call('listDatasets'),
  subscribe(listener) {
    const handler = (_e: IpcRendererEvent, event: ApiEvent) => listener(event);
    ipcRenderer.on('distillery:event', handler);
    return () => ipcRenderer.off('distillery:event', handler);
  },
} as DistilleryApi;

contextBridge.exposeInMainWorld('distillery', api);
