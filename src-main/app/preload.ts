// Preload: exposes one typed API object to the sandboxed renderer. Nothing
// else from Node or Electron reaches the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { API_INPUTS, type ApiEvent, type DistilleryApi } from '../contract/api.js';

// One IPC call per contract method; main validates each payload again and
// answers with an IpcReply envelope, which the renderer's client unwraps
// (errors keep their code that way: contextBridge would copy only the message).
const call = (method: string) => (input: unknown) => ipcRenderer.invoke('distillery:call', method, input);

const api = Object.fromEntries(Object.keys(API_INPUTS).map((m) => [m, call(m)])) as unknown as DistilleryApi; // returns IpcReply; see src-renderer/lib/api.ts
api.subscribe = (listener) => {
  const handler = (_e: IpcRendererEvent, event: ApiEvent) => listener(event);
  ipcRenderer.on('distillery:event', handler);
  return () => ipcRenderer.off('distillery:event', handler);
};
contextBridge.exposeInMainWorld('distillery', api);
