// The WebGPU backend: Dawn's Node bindings (npm `webgpu`, a prebuilt
// dawn.node per platform) under @tensorflow/tfjs-backend-webgpu. Nothing to
// compile and no CUDA toolkit: a GPU driver with a Vulkan ICD (Linux), Metal
// (macOS) or D3D12 (Windows) is all it needs.
//
// On Linux Dawn dlopens `libvulkan.so.1`, the Vulkan loader, which is a
// separate package (Debian's libvulkan1) that GPU boxes often lack. When the
// system has none we preload another copy (DISTILLERY_VULKAN_LIB, a bundled
// one, or Chromium's) with RTLD_NODELETE, so Dawn's dlopen by soname finds it.
//
// Only a hardware adapter is taken automatically. A software one (SwiftShader,
// Dawn's "fallback adapter") is taken only when asked (`allowSoftware`): it is
// far slower than our wasm kernels and is meant for tests. Mesa's lavapipe is
// refused by Dawn itself. When asked and no adapter shows up, Chromium's
// SwiftShader ICD (Debian's chromium package) is tried.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** glibc's RTLD_NODELETE; Node's os.constants.dlopen omits it. */
const RTLD_NODELETE = 0x1000;
const RTLD_NOW = 2;
const RTLD_GLOBAL = 256;

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const VULKAN_LOADER_CANDIDATES = ['/usr/lib/chromium/libvulkan.so.1'];

export interface GpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Dawn's backend and driver, when it says (e.g. "Vulkan", "NVIDIA 550.54"). */
  driver: string;
  /** SwiftShader or another CPU implementation. */
  software: boolean;
}

export type WebgpuLoad = { ok: true; adapter: GpuAdapterSummary; gpu: GPU; gpuAdapter: GPUAdapter } | { ok: false; reason: string; notInstalled?: boolean };

type Log = (message: string, level: 'info' | 'warn') => void;

/** One line for the run's device column and the log. */
export function describeAdapter(a: GpuAdapterSummary): string {
  const name = a.description || a.device || a.architecture || 'unknown adapter';
  const parts = [a.vendor, a.architecture].filter(Boolean).join(' ');
  return `WebGPU ${a.software ? 'software ' : ''}adapter: ${name}${parts ? ` (${parts}${a.driver ? `, ${a.driver}` : ''})` : a.driver ? ` (${a.driver})` : ''}`;
}

/**
 * Makes sure a Vulkan loader can be found by Dawn (Linux only). Returns a
 * note for the log when a non-system copy was preloaded, or why none was.
 */
export function ensureVulkanLoader(): string | null {
  if (process.platform !== 'linux') return null;
  const tryLoad = (file: string): 'ok' | 'missing' | string => {
    try {
      process.dlopen({ exports: {} } as NodeJS.Module, file, RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
      return 'ok';
    } catch (e) {
      const m = String((e as Error).message);
      // Loaded fine; it is simply not a Node addon (and stays loaded: NODELETE).
      if (m.includes('did not self-register')) return 'ok';
      if (m.includes('cannot open shared object file') || m.includes('No such file')) return 'missing';
      return m.split('\n')[0];
    }
  };
  const explicit = process.env.DISTILLERY_VULKAN_LIB;
  if (explicit) {
    const r = tryLoad(explicit);
    return r === 'ok' ? `Vulkan loader preloaded from ${explicit} (DISTILLERY_VULKAN_LIB)` : `DISTILLERY_VULKAN_LIB=${explicit} does not load (${r})`;
  }
  if (tryLoad('libvulkan.so.1') === 'ok') return null;
  for (const c of VULKAN_LOADER_CANDIDATES) {
    if (existsSync(c) && tryLoad(c) === 'ok') return `the system has no Vulkan loader (libvulkan.so.1, Debian's libvulkan1); using ${c}`;
  }
  return 'no Vulkan loader (libvulkan.so.1) found: install libvulkan1 or set DISTILLERY_VULKAN_LIB';
}

/**
 * The Vulkan ICD manifests the loader would read (Linux). None means no
 * Vulkan driver at all: Dawn is then not even started (it would only print
 * warnings), and the chain moves on at once.
 */
export function vulkanIcds(): string[] {
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES)!.split(':').filter(Boolean);
  const dataDirs = (process.env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  const dirs = ['/etc/vulkan/icd.d', ...dataDirs.map((d) => join(d, 'vulkan/icd.d')), join(process.env.XDG_DATA_HOME || join(homedir(), '.local/share'), 'vulkan/icd.d')];
  const found: string[] = [];
  for (const d of new Set(dirs)) {
    try {
      for (const f of readdirSync(d)) if (f.endsWith('.json')) found.push(join(d, f));
    } catch {
      // no such folder
    }
  }
  return found;
}

async function summarize(adapter: GPUAdapter): Promise<GpuAdapterSummary> {
  const a = adapter as GPUAdapter & { info?: GPUAdapterInfo & { isFallbackAdapter?: boolean; driver?: string; backendType?: string }; isFallbackAdapter?: boolean };
  const info = a.info ?? ({} as NonNullable<typeof a.info>);
  const vendor = String(info.vendor ?? '');
  const architecture = String(info.architecture ?? '');
  const device = String(info.device ?? '');
  const description = String(info.description ?? '');
  const software = Boolean(info.isFallbackAdapter ?? a.isFallbackAdapter) || /swiftshader|llvmpipe|lavapipe|software/i.test(`${architecture} ${device} ${description}`);
  const driver = [info.backendType, info.driver].filter(Boolean).join(' ');
  return { vendor, architecture, device, description, driver, software };
}

let loaded: WebgpuLoad | null = null;

/**
 * Finds a WebGPU adapter through Dawn, hardware first; a software one only
 * when `allowSoftware`. Does not touch TensorFlow.js (see registerTfjsWebgpu).
 */
export async function findWebgpuAdapter(allowSoftware: boolean, log: Log = () => {}): Promise<WebgpuLoad> {
  if (loaded?.ok && (allowSoftware || !loaded.adapter.software)) return loaded;
  if (process.platform === 'linux' && !allowSoftware && vulkanIcds().length === 0) {
    return { ok: false, reason: 'no Vulkan driver is installed (no ICD in /etc/vulkan/icd.d or /usr/share/vulkan/icd.d; for NVIDIA: nvidia_icd.json, from the driver\'s Vulkan package)' };
  }
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return { ok: false, reason: 'the npm package webgpu is not installed', notInstalled: true };
    return { ok: false, reason: `the npm package webgpu does not load (${String((e as Error).message).split('\n')[0]})` };
  }
  const note = ensureVulkanLoader();
  if (note) log(`backend: webgpu: ${note}`, 'info');
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;

  let gpu = mod.create([]);
  let adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter) {
    const s = await summarize(adapter);
    if (!s.software) return (loaded = { ok: true, adapter: s, gpu, gpuAdapter: adapter });
    if (!allowSoftware) return { ok: false, reason: `only a software adapter was found (${s.description || s.architecture}); pass --allow-software-gpu to use it` };
    return (loaded = { ok: true, adapter: s, gpu, gpuAdapter: adapter });
  }
  if (!allowSoftware) return { ok: false, reason: note?.startsWith('no Vulkan loader') ? note : 'no GPU adapter found (no GPU, or its Vulkan driver/ICD is missing)' };
  // Asked for software: Chromium's SwiftShader ICD, when Debian's chromium is installed.
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    // Vulkan loaders want a runtime dir; a private empty one will do.
    if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'distillery-xdg-'));
    log(`backend: webgpu: no adapter on the default ICDs; trying SwiftShader (${SWIFTSHADER_ICD})`, 'info');
    gpu = mod.create([]);
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter) return (loaded = { ok: true, adapter: await summarize(adapter), gpu, gpuAdapter: adapter });
  }
  return { ok: false, reason: `no GPU adapter found, not even a software one${existsSync(SWIFTSHADER_ICD) ? '' : ` (SwiftShader comes with Debian's chromium: ${dirname(SWIFTSHADER_ICD)})`}` };
}

/**
 * Registers @tensorflow/tfjs-backend-webgpu on `adapter` (navigator.gpu is
 * set to answer with exactly that adapter) and makes it the backend.
 */
export async function activateTfjsWebgpu(found: Extract<WebgpuLoad, { ok: true }>, tf: typeof import('@tensorflow/tfjs')): Promise<string> {
  const gpu = {
    requestAdapter: async () => found.gpuAdapter,
    getPreferredCanvasFormat: () => 'rgba8unorm',
    wgslLanguageFeatures: (found.gpu as GPU & { wgslLanguageFeatures?: unknown }).wgslLanguageFeatures ?? new Set(),
  };
  const nav = (globalThis as unknown as { navigator?: Record<string, unknown> }).navigator;
  if (nav && Object.getOwnPropertyDescriptor(globalThis, 'navigator')?.get) {
    Object.defineProperty(globalThis, 'navigator', { value: { ...nav, gpu }, configurable: true, writable: true });
  } else if (nav) {
    try {
      nav.gpu = gpu;
    } catch {
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    }
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
  const mod = (await import('@tensorflow/tfjs-backend-webgpu')) as { version_webgpu?: string };
  if (!tf.findBackendFactory('webgpu')) throw new Error('@tensorflow/tfjs-backend-webgpu did not register (navigator.gpu missing when it loaded)');
  if (!(await tf.setBackend('webgpu'))) throw new Error('setBackend("webgpu") returned false');
  await tf.ready();
  return `tfjs-backend-webgpu@${mod.version_webgpu ?? tf.version_core}`;
}
