// Source of our WebAssembly SIMD kernels (kernels.wasm), as WAT text.
//
// Why our own: XNNPACK, inside tfjs-backend-wasm, only multiplies plain
// row-major matrices and repacks the right-hand side on every call, so a
// Dense layer's backward pass (transposed operands) and a convolution's
// filter gradient (an im2col matrix of 10M floats) spend most of their time
// copying. These kernels read their operands in place through strides,
// directly in tfjs's own wasm memory (imported, not copied).
//
// One GEMM does all of it:
//   C[i, j] (+)= Σ_{k1 < K1} Σ_{k2 < K2} A[i, k1, k2] · B[k1, k2, j]
// with every A and B address given by strides (bytes), B and C contiguous
// along j (4-lane vectors), A read one scalar at a time and broadcast. Two
// K levels let the filter gradient walk (output row, output column) of an
// image without materializing columns. Blocks of 4 rows × 8 columns keep 8
// accumulators in registers; row and column remainders take narrower paths.
//
// The same module carries the max-pool gradient (pool-wat.ts), the
// Winograd transforms (winograd-wat.ts), upsampling (upsample-wat.ts) and a
// strided row copy for padding and cropping (copy-wat.ts) and the bias add (bias-wat.ts).
//
// `npm run build:kernels` assembles this into kernels.wasm; a test checks that
// the committed binary is exactly what this source assembles to.

/** `(local.get $x)` */
import { poolWat } from './pool-wat.js';
import { biasWat } from './bias-wat.js';
import { copyWat } from './copy-wat.js';
import { upsampleWat } from './upsample-wat.js';
import { winogradWat } from './winograd-wat.js';

const g = (x: string) => `(local.get $${x})`;

/** The address of row r of A at the current k: qa + r·ars. */
function aRow(r: number): string {
  if (r === 0) return g('qa');
  if (r === 1) return `(i32.add ${g('qa')} ${g('ars')})`;
  return `(i32.add ${g('qa')} ${g(`ars${r}`)})`;
}

function cRow(r: number): string {
  if (r === 0) return g('pc');
  if (r === 1) return `(i32.add ${g('pc')} ${g('crs')})`;
  return `(i32.add ${g('pc')} ${g(`crs${r}`)})`;
}

/** The K double loop around `body`, shared by every block shape. */
function kLoops(body: string): string {
  return `
    (local.set $k1 (i32.const 0))
    (block $k1done (loop $k1loop
      (br_if $k1done (i32.ge_u ${g('k1')} ${g('k1n')}))
      (local.set $qa (i32.add ${g('pa')} (i32.mul ${g('k1')} ${g('as1')})))
      (local.set $qb (i32.add ${g('pb')} (i32.mul ${g('k1')} ${g('bs1')})))
      (local.set $k2 ${g('k2n')})
      (block $k2done (loop $k2loop
        (br_if $k2done (i32.eqz ${g('k2')}))
        ${body}
        (local.set $qa (i32.add ${g('qa')} ${g('as2')}))
        (local.set $qb (i32.add ${g('qb')} ${g('bs2')}))
        (local.set $k2 (i32.sub ${g('k2')} (i32.const 1)))
        (br $k2loop)))
      (local.set $k1 (i32.add ${g('k1')} (i32.const 1)))
      (br $k1loop)))`;
}

const K_PARAMS = '(param $k1n i32) (param $k2n i32) (param $as1 i32) (param $as2 i32) (param $bs1 i32) (param $bs2 i32) (param $acc i32)';
const K_LOCALS = '(local $k1 i32) (local $k2 i32) (local $qa i32) (local $qb i32)';

/** A block of `rows` rows × 4·`vecs` columns: C[rows, 4·vecs] (+)= A[rows, K] · B[K, 4·vecs]. */
function vectorBlock(rows: number, vecs: number, fma: boolean): string {
  const acc: string[] = [];
  for (let r = 0; r < rows; r++) for (let v = 0; v < vecs; v++) acc.push(`c${r}_${v}`);
  const bs = Array.from({ length: vecs }, (_, v) => `b${v}`);
  const strideLocals = [];
  for (let r = 2; r < rows; r++) strideLocals.push(`(local $ars${r} i32) (local $crs${r} i32)`);
  const strideInit = [];
  for (let r = 2; r < rows; r++) {
    strideInit.push(`(local.set $ars${r} (i32.add ${g(r === 2 ? 'ars' : `ars${r - 1}`)} ${g('ars')}))`);
    strideInit.push(`(local.set $crs${r} (i32.add ${g(r === 2 ? 'crs' : `crs${r - 1}`)} ${g('crs')}))`);
  }
  const off = (v: number) => (v ? ` offset=${16 * v}` : '');
  const load = [];
  const store = [];
  const body = [];
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < vecs; v++) {
      load.push(`(local.set $c${r}_${v} (v128.load${off(v)} ${cRow(r)}))`);
      store.push(`(v128.store${off(v)} ${cRow(r)} ${g(`c${r}_${v}`)})`);
    }
    body.push(`(local.set $av (v128.load32_splat ${aRow(r)}))`);
    for (let v = 0; v < vecs; v++) {
      const c = g(`c${r}_${v}`);
      const bv = g(`b${v}`);
      body.push(`(local.set $c${r}_${v} ${fma ? `(f32x4.relaxed_madd ${g('av')} ${bv} ${c})` : `(f32x4.add ${c} (f32x4.mul ${g('av')} ${bv}))`})`);
    }
  }
  return `
  (func $block${rows}x${4 * vecs} (param $pa i32) (param $ars i32) (param $pb i32) (param $pc i32) (param $crs i32) ${K_PARAMS}
    ${[...acc, ...bs, 'av'].map((a) => `(local $${a} v128)`).join(' ')}
    ${K_LOCALS} ${strideLocals.join(' ')}
    ${strideInit.join('\n    ')}
    (if ${g('acc')} (then ${load.join('\n      ')}))
    ${kLoops(`${bs.map((b, v) => `(local.set $${b} (v128.load${off(v)} ${g('qb')}))`).join('\n        ')}
        ${body.join('\n        ')}`)}
    ${store.join('\n    ')})`;
}

/**
 * The columns past the last 4-lane panel (n mod 4 of them), one at a time:
 * four rows per call keep four independent sums (one dependency chain made
 * a lone scalar sum ~8× slower per FLOP than the vector blocks), then single rows.
 */
const scalarBlocks = `
  (func $block4x1 (param $pa i32) (param $ars i32) (param $pb i32) (param $pc i32) (param $crs i32) ${K_PARAMS}
    (local $s0 f32) (local $s1 f32) (local $s2 f32) (local $s3 f32) (local $bv f32) (local $ars2 i32) (local $ars3 i32) ${K_LOCALS}
    (local.set $ars2 (i32.add ${g('ars')} ${g('ars')}))
    (local.set $ars3 (i32.add ${g('ars2')} ${g('ars')}))
    (if ${g('acc')} (then
      (local.set $s0 (f32.load ${g('pc')}))
      (local.set $s1 (f32.load (i32.add ${g('pc')} ${g('crs')})))
      (local.set $s2 (f32.load (i32.add ${g('pc')} (i32.shl ${g('crs')} (i32.const 1)))))
      (local.set $s3 (f32.load (i32.add ${g('pc')} (i32.mul ${g('crs')} (i32.const 3)))))))
    ${kLoops(`(local.set $bv (f32.load ${g('qb')}))
        (local.set $s0 (f32.add ${g('s0')} (f32.mul (f32.load ${g('qa')}) ${g('bv')})))
        (local.set $s1 (f32.add ${g('s1')} (f32.mul (f32.load (i32.add ${g('qa')} ${g('ars')})) ${g('bv')})))
        (local.set $s2 (f32.add ${g('s2')} (f32.mul (f32.load (i32.add ${g('qa')} ${g('ars2')})) ${g('bv')})))
        (local.set $s3 (f32.add ${g('s3')} (f32.mul (f32.load (i32.add ${g('qa')} ${g('ars3')})) ${g('bv')})))`)}
    (f32.store ${g('pc')} ${g('s0')})
    (f32.store (i32.add ${g('pc')} ${g('crs')}) ${g('s1')})
    (f32.store (i32.add ${g('pc')} (i32.shl ${g('crs')} (i32.const 1))) ${g('s2')})
    (f32.store (i32.add ${g('pc')} (i32.mul ${g('crs')} (i32.const 3))) ${g('s3')}))
  (func $block1x1 (param $pa i32) (param $pb i32) (param $pc i32) ${K_PARAMS}
    (local $s f32) ${K_LOCALS}
    (if ${g('acc')} (then (local.set $s (f32.load ${g('pc')}))))
    ${kLoops(`(local.set $s (f32.add ${g('s')} (f32.mul (f32.load ${g('qa')}) (f32.load ${g('qb')}))))`)}
    (f32.store ${g('pc')} ${g('s')}))`;

const K_ARGS = `${g('k1n')} ${g('k2n')} ${g('as1')} ${g('as2')} ${g('bs1')} ${g('bs2')} ${g('acc')}`;

export interface GemmShape {
  /** Row block heights, largest first; must end with 1. */
  rows: number[];
  /** Column panel widths in floats (multiples of 4), largest first; the rest is done one element at a time. */
  cols: number[];
}

/**
 * Measured best here for the seed's shapes: 4 rows × 8 columns. A 4-wide
 * panel after the 8-wide ones keeps channel counts like 20 (LeNet-5) and 10
 * (every output layer) on vectors: 20 = 8 + 8 + 4, not 16 + 4 scalar columns.
 */
export const DEFAULT_SHAPE: GemmShape = { rows: [4, 2, 1], cols: [8, 4] };

export interface KernelOptions {
  /**
   * Fused multiply-add (relaxed SIMD's f32x4.relaxed_madd): one instruction
   * per multiply-add where the CPU has FMA, twice the arithmetic per cycle of
   * separate f32x4.mul and f32x4.add. Relaxed SIMD lets the engine round once
   * (fused) or twice; on a given machine the choice is fixed, so runs stay
   * reproducible there.
   */
  fma: boolean;
}

/** The row-block chain for one panel width: the largest block that fits, then smaller. */
function rowChain(rows: number[], width: number): string {
  const [r, ...rest] = rows;
  const call = `(call $block${r}x${width} ${g('pa')} ${g('ars')} ${g('pb')} ${g('pc')} ${g('crs')} ${K_ARGS})
            (local.set $i (i32.add ${g('i')} (i32.const ${r})))`;
  if (!rest.length) return call;
  return `(if (i32.le_u (i32.add ${g('i')} (i32.const ${r})) ${g('m')})
          (then ${call})
          (else ${rowChain(rest, width)}))`;
}

/** Column panels of `width` while they fit, each swept by row blocks (so a panel of B is reused from cache). */
function panelLoop(rows: number[], width: number): string {
  return `
    (block $jdone${width} (loop $jloop${width}
      (br_if $jdone${width} (i32.gt_u (i32.add ${g('j')} (i32.const ${width})) ${g('n')}))
      (local.set $i (i32.const 0))
      (block $idone${width} (loop $iloop${width}
        (br_if $idone${width} (i32.ge_u ${g('i')} ${g('m')}))
        (local.set $pa (i32.add ${g('a')} (i32.mul ${g('i')} ${g('ars')})))
        (local.set $pc (i32.add (i32.add ${g('c')} (i32.mul ${g('i')} ${g('crs')})) (i32.shl ${g('j')} (i32.const 2))))
        (local.set $pb (i32.add ${g('b')} (i32.shl ${g('j')} (i32.const 2))))
        ${rowChain(rows, width)}
        (br $iloop${width})))
      (local.set $j (i32.add ${g('j')} (i32.const ${width})))
      (br $jloop${width})))`;
}

function gemm(shape: GemmShape): string {
  return `
  (func (export "gemm")
    (param $m i32) (param $n i32) (param $k1n i32) (param $k2n i32)
    (param $a i32) (param $ars i32) (param $as1 i32) (param $as2 i32)
    (param $b i32) (param $bs1 i32) (param $bs2 i32)
    (param $c i32) (param $crs i32) (param $acc i32)
    (local $i i32) (local $j i32) (local $pa i32) (local $pb i32) (local $pc i32)
    ${shape.cols.map((w) => panelLoop(shape.rows, w)).join('')}
    (block $tdone (loop $tloop
      (br_if $tdone (i32.ge_u ${g('j')} ${g('n')}))
      (local.set $i (i32.const 0))
      (block $idone (loop $iloop
        (br_if $idone (i32.ge_u ${g('i')} ${g('m')}))
        (local.set $pa (i32.add ${g('a')} (i32.mul ${g('i')} ${g('ars')})))
        (local.set $pb (i32.add ${g('b')} (i32.shl ${g('j')} (i32.const 2))))
        (local.set $pc (i32.add (i32.add ${g('c')} (i32.mul ${g('i')} ${g('crs')})) (i32.shl ${g('j')} (i32.const 2))))
        (if (i32.le_u (i32.add ${g('i')} (i32.const 4)) ${g('m')})
          (then
            (call $block4x1 ${g('pa')} ${g('ars')} ${g('pb')} ${g('pc')} ${g('crs')} ${K_ARGS})
            (local.set $i (i32.add ${g('i')} (i32.const 4))))
          (else
            (call $block1x1 ${g('pa')} ${g('pb')} ${g('pc')} ${K_ARGS})
            (local.set $i (i32.add ${g('i')} (i32.const 1)))))
        (br $iloop)))
      (local.set $j (i32.add ${g('j')} (i32.const 1)))
      (br $tloop))))`;
}

/**
 * One output column (a convolution with one output channel, e.g. an
 * autoencoder's last layer): C[i] (+)= Σ_k1 Σ_k2 A[i, k1, k2] · B[k1, k2]
 * with A and B contiguous along k2 (k2 a multiple of 4), so both are read
 * as vectors and four rows keep four vector sums, added across lanes at the
 * end. The GEMM would take this one scalar column at a time.
 */
function dot(fma: boolean): string {
  const madd = (acc: string, a: string) => (fma ? `(f32x4.relaxed_madd ${a} ${g('bv')} ${g(acc)})` : `(f32x4.add ${g(acc)} (f32x4.mul ${a} ${g('bv')}))`);
  const hsum = (v: string) => `(f32.add (f32.add (f32x4.extract_lane 0 ${g(v)}) (f32x4.extract_lane 1 ${g(v)})) (f32.add (f32x4.extract_lane 2 ${g(v)}) (f32x4.extract_lane 3 ${g(v)})))`;
  const rowLoop = (rows: number) => {
    const sums = Array.from({ length: rows }, (_, r) => `s${r}`);
    const aAt = (r: number) => (r === 0 ? g('qa') : `(i32.add ${g('qa')} (i32.mul ${g('ars')} (i32.const ${r})))`);
    const cAt = (r: number) => (r === 0 ? g('pc') : `(i32.add ${g('pc')} (i32.mul ${g('crs')} (i32.const ${r})))`);
    return `
    (block $rdone${rows} (loop $rloop${rows}
      (br_if $rdone${rows} (i32.gt_u (i32.add ${g('i')} (i32.const ${rows})) ${g('m')}))
      ${sums.map((v) => `(local.set $${v} (v128.const i32x4 0 0 0 0))`).join(' ')}
      (local.set $k1 (i32.const 0))
      (block $k1done${rows} (loop $k1loop${rows}
        (br_if $k1done${rows} (i32.ge_u ${g('k1')} ${g('k1n')}))
        (local.set $qa (i32.add (i32.add ${g('a')} (i32.mul ${g('i')} ${g('ars')})) (i32.mul ${g('k1')} ${g('as1')})))
        (local.set $qb (i32.add ${g('b')} (i32.mul ${g('k1')} ${g('bs1')})))
        (local.set $v ${g('k2v')})
        (block $vdone${rows} (loop $vloop${rows}
          (br_if $vdone${rows} (i32.eqz ${g('v')}))
          (local.set $bv (v128.load ${g('qb')}))
          ${sums.map((v, r) => `(local.set $${v} ${madd(v, `(v128.load ${aAt(r)})`)})`).join('\n          ')}
          (local.set $qa (i32.add ${g('qa')} (i32.const 16)))
          (local.set $qb (i32.add ${g('qb')} (i32.const 16)))
          (local.set $v (i32.sub ${g('v')} (i32.const 1)))
          (br $vloop${rows})))
        (local.set $k1 (i32.add ${g('k1')} (i32.const 1)))
        (br $k1loop${rows})))
      (local.set $pc (i32.add ${g('c')} (i32.mul ${g('i')} ${g('crs')})))
      ${sums.map((v, r) => `(f32.store ${cAt(r)} (f32.add ${hsum(v)} (if (result f32) ${g('acc')} (then (f32.load ${cAt(r)})) (else (f32.const 0)))))`).join('\n      ')}
      (local.set $i (i32.add ${g('i')} (i32.const ${rows})))
      (br $rloop${rows})))`;
  };
  return `
  (func (export "dot")
    (param $m i32) (param $k1n i32) (param $k2v i32)
    (param $a i32) (param $ars i32) (param $as1 i32)
    (param $b i32) (param $bs1 i32)
    (param $c i32) (param $crs i32) (param $acc i32)
    (local $i i32) (local $k1 i32) (local $v i32) (local $qa i32) (local $qb i32) (local $pc i32)
    (local $bv v128) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    ${rowLoop(4)}
    ${rowLoop(1)})`;
}

export function kernelsWat(shape: GemmShape = DEFAULT_SHAPE, options: KernelOptions = { fma: false }): string {
  const blocks = shape.cols.flatMap((w) => shape.rows.map((r) => vectorBlock(r, w / 4, options.fma)));
  return `;; Generated by src-main/ml/engine/kernels/gemm-wat.ts; do not edit.
(module
  (import "env" "memory" (memory 1))
  ${blocks.join('')}
  ${scalarBlocks}
  ${gemm(shape)}
  ${dot(options.fma)}
  ${poolWat()}
  ${upsampleWat()}
  ${copyWat()}
  ${biasWat()}
  ${winogradWat()})
`;
}
