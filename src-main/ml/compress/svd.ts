// Low-rank factorization of Dense layers (Xue et al.): a kernel A (m × n,
// y = xA) becomes U_k (m × k, a Dense layer without activation or bias)
// followed by S_k·V_kᵀ (k × n, the original activation and bias).
// Parameters go from m·n to (m + n)·k.
import { SVD, Matrix } from 'ml-matrix';
import type { Chain } from './chain.js';

export interface Factorization {
  layer: string;
  m: number;
  n: number;
  k: number;
  singularValues: number[];
  /** Share of Σσ² kept by the first k singular values. */
  energy: number;
  /** ‖A − U_k S_k V_kᵀ‖_F, which Eckart–Young says is √(Σ_{i>k} σ_i²). */
  error: number;
}

export function checkRank(layer: string, k: number, m: number, n: number): void {
  if (!Number.isInteger(k) || k < 1 || k > Math.min(m, n)) {
    throw new RangeError(`rank: ${layer} is ${m}×${n}, so k must be an integer from 1 to ${Math.min(m, n)}, got ${k}`);
  }
}

export function svdOf(values: Float32Array, m: number, n: number): { U: Matrix; s: number[]; V: Matrix } {
  const A = new Matrix(m, n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) A.set(i, j, values[i * n + j]);
  const svd = new SVD(A, { autoTranspose: true, computeLeftSingularVectors: true, computeRightSingularVectors: true });
  return { U: svd.leftSingularVectors, s: svd.diagonal, V: svd.rightSingularVectors };
}

/** Smallest k whose singular values keep at least `energy` of Σσ². */
export function rankForEnergy(s: number[], energy: number): number {
  const total = s.reduce((a, v) => a + v * v, 0);
  let acc = 0;
  for (let k = 1; k <= s.length; k++) {
    acc += s[k - 1] ** 2;
    if (acc >= energy * total - 1e-12) return k;
  }
  return s.length;
}

/** Replaces Dense layer `name` in the chain by its rank-k factorization. */
export function factorizeLayer(chain: Chain, name: string, choose: { rank?: number; energy?: number }): Factorization {
  const idx = chain.layers.findIndex((l) => l.name === name);
  const layer = chain.layers[idx];
  if (!layer || layer.className !== 'Dense') throw new Error(`layers: ${name} is not a Dense layer`);
  const [m, n] = layer.weights[0].shape;
  const { U, s, V } = svdOf(layer.weights[0].values, m, n);
  const k = choose.rank ?? rankForEnergy(s, choose.energy ?? 0.9);
  checkRank(name, k, m, n);
  const first = new Float32Array(m * k);
  for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) first[i * k + j] = U.get(i, j);
  const second = new Float32Array(k * n);
  for (let j = 0; j < k; j++) for (let c = 0; c < n; c++) second[j * n + c] = s[j] * V.get(c, j);
  const total = s.reduce((a, v) => a + v * v, 0);
  const kept = s.slice(0, k).reduce((a, v) => a + v * v, 0);
  chain.layers.splice(
    idx,
    1,
    { className: 'Dense', name: `${name}_U`, config: { units: k, activation: 'linear', useBias: false }, weights: [{ values: first, shape: [m, k] }] },
    { className: 'Dense', name, config: { ...layer.config }, weights: [{ values: second, shape: [k, n] }, ...layer.weights.slice(1)] },
  );
  return { layer: name, m, n, k, singularValues: s, energy: total ? kept / total : 1, error: Math.sqrt(Math.max(0, total - kept)) };
}
