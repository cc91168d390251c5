// Source of the Winograd F(2×2, 3×3) transforms in kernels.wasm.
//
// A 3×3, stride-1 convolution computes each 2×2 output tile from a 4×4
// input tile. Winograd's minimal filtering does it with 16 multiplications
// per (input channel, output channel) instead of 36, i.e. 2.25× less GEMM
// work, at the price of cheap additions on the way in and out:
//   V = Bᵀ d B   (input tile, here),   U = G g Gᵀ (filter, in JavaScript),
//   M[ξ,ν] = V[ξ,ν] · U[ξ,ν]  (16 GEMMs over channels),   Y = Aᵀ M A (here).
// Both transforms run 4 channels at a time; channel counts must be
// multiples of 4. V and M are stored as 16 matrices [tiles, channels], so
// each of the 16 products is one plain GEMM call.

const g = (x: string) => `(local.get $${x})`;
const add = (a: string, b: string) => `(f32x4.add ${a} ${b})`;
const sub = (a: string, b: string) => `(f32x4.sub ${a} ${b})`;

/** Bᵀ·(4 values) for F(2,3): [d0 − d2, d1 + d2, d2 − d1, d1 − d3]. */
const bt = (d: string[]) => [sub(d[0], d[2]), add(d[1], d[2]), sub(d[2], d[1]), sub(d[1], d[3])];
/** Aᵀ·(4 values): [m0 + m1 + m2, m1 − m2 − m3]. */
const at = (m: string[]) => [add(add(m[0], m[1]), m[2]), sub(sub(m[1], m[2]), m[3])];

const v128Locals = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `(local $${prefix}${i} v128)`).join(' ');

/** Loops over (image b, tile row ty, tile column tx, channel vector off), with `body` inside. */
function tileLoops(body: string, setup: string): string {
  return `
    (local.set $t (i32.const 0))
    (local.set $b (i32.const 0))
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_u ${g('b')} ${g('n')}))
      (local.set $ty (i32.const 0))
      (block $ydone (loop $yloop
        (br_if $ydone (i32.ge_u ${g('ty')} ${g('th')}))
        (local.set $tx (i32.const 0))
        (block $xdone (loop $xloop
          (br_if $xdone (i32.ge_u ${g('tx')} ${g('tw')}))
          ${setup}
          (local.set $off (i32.const 0))
          (block $cdone (loop $cloop
            (br_if $cdone (i32.ge_u ${g('off')} ${g('cb')}))
            ${body}
            (local.set $off (i32.add ${g('off')} (i32.const 16)))
            (br $cloop)))
          (local.set $t (i32.add ${g('t')} (i32.const 1)))
          (local.set $tx (i32.add ${g('tx')} (i32.const 1)))
          (br $xloop)))
        (local.set $ty (i32.add ${g('ty')} (i32.const 1)))
        (br $yloop)))
      (local.set $b (i32.add ${g('b')} (i32.const 1)))
      (br $bloop)))`;
}

const LOOP_LOCALS = '(local $b i32) (local $ty i32) (local $tx i32) (local $t i32) (local $off i32) (local $cb i32) (local $p i32) (local $mat i32)';

/**
 * winoInput(x, v, n, h, w, c, th, tw): x [n, h, w, c] (already padded) →
 * v [16, n·th·tw, c]; tile (ty, tx) reads rows 2ty..2ty+3, columns 2tx..2tx+3.
 */
function inputTransform(): string {
  const d: string[] = [];
  const loads: string[] = [];
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      d.push(g(`d${i * 4 + j}`));
      loads.push(`(local.set $d${i * 4 + j} (v128.load (i32.add ${g('p')} (i32.add (i32.mul (i32.const ${i}) ${g('rowb')}) (i32.add (i32.mul (i32.const ${j}) ${g('cb')}) ${g('off')})))))`);
    }
  }
  // rows first: r[i][j] = (Bᵀ d)[i][j], then columns: V[i][·] = Bᵀ applied to r[i][·]
  const r: string[][] = [[], [], [], []];
  for (let j = 0; j < 4; j++) {
    const col = bt([d[j], d[4 + j], d[8 + j], d[12 + j]]);
    for (let i = 0; i < 4; i++) r[i][j] = `r${i * 4 + j}`;
    loads.push(...col.map((e, i) => `(local.set $r${i * 4 + j} ${e})`));
  }
  const stores: string[] = [];
  for (let i = 0; i < 4; i++) {
    const v = bt(r[i].map((x) => g(x)));
    v.forEach((e, j) => {
      stores.push(`(v128.store (i32.add ${g('v')} (i32.add (i32.mul (i32.const ${i * 4 + j}) ${g('mat')}) (i32.add (i32.mul ${g('t')} ${g('cb')}) ${g('off')}))) ${e})`);
    });
  }
  return `
  (func (export "winoInput")
    (param $x i32) (param $v i32) (param $n i32) (param $h i32) (param $w i32) (param $c i32) (param $th i32) (param $tw i32)
    ${LOOP_LOCALS} (local $rowb i32) ${v128Locals('d', 16)} ${v128Locals('r', 16)}
    (local.set $cb (i32.shl ${g('c')} (i32.const 2)))
    (local.set $rowb (i32.mul ${g('w')} ${g('cb')}))
    ;; bytes of one of the 16 matrices: n·th·tw tiles × c channels
    (local.set $mat (i32.mul (i32.mul (i32.mul ${g('n')} ${g('th')}) ${g('tw')}) ${g('cb')}))
    ${tileLoops(`${loads.join('\n            ')}
            ${stores.join('\n            ')}`, `(local.set $p (i32.add ${g('x')} (i32.add (i32.mul (i32.add (i32.mul ${g('b')} ${g('h')}) (i32.shl ${g('ty')} (i32.const 1))) ${g('rowb')}) (i32.mul (i32.shl ${g('tx')} (i32.const 1)) ${g('cb')}))))`)})`;
}

/** winoOutput(m, y, n, oh, ow, c, th, tw): m [16, n·th·tw, c] → y [n, oh, ow, c] (oh = 2·th, ow = 2·tw). */
function outputTransform(): string {
  const loads: string[] = [];
  const m: string[] = [];
  for (let k = 0; k < 16; k++) {
    m.push(g(`m${k}`));
    loads.push(`(local.set $m${k} (v128.load (i32.add ${g('mm')} (i32.add (i32.mul (i32.const ${k}) ${g('mat')}) (i32.add (i32.mul ${g('t')} ${g('cb')}) ${g('off')})))))`);
  }
  // columns first: s[i][j] = (Aᵀ M)[i][j] for i < 2, then Y[i][·] = Aᵀ applied to s[i][·]
  for (let j = 0; j < 4; j++) {
    const col = at([m[j], m[4 + j], m[8 + j], m[12 + j]]);
    col.forEach((e, i) => loads.push(`(local.set $s${i * 4 + j} ${e})`));
  }
  const stores: string[] = [];
  for (let i = 0; i < 2; i++) {
    const y = at([0, 1, 2, 3].map((j) => g(`s${i * 4 + j}`)));
    y.forEach((e, j) => {
      stores.push(`(v128.store (i32.add ${g('p')} (i32.add (i32.mul (i32.const ${i}) ${g('rowb')}) (i32.add (i32.mul (i32.const ${j}) ${g('cb')}) ${g('off')}))) ${e})`);
    });
  }
  return `
  (func (export "winoOutput")
    (param $mm i32) (param $y i32) (param $n i32) (param $oh i32) (param $ow i32) (param $c i32) (param $th i32) (param $tw i32)
    ${LOOP_LOCALS} (local $rowb i32) ${v128Locals('m', 16)} ${v128Locals('s', 8)}
    (local.set $cb (i32.shl ${g('c')} (i32.const 2)))
    (local.set $rowb (i32.mul ${g('ow')} ${g('cb')}))
    (local.set $mat (i32.mul (i32.mul (i32.mul ${g('n')} ${g('th')}) ${g('tw')}) ${g('cb')}))
    ${tileLoops(`${loads.join('\n            ')}
            ${stores.join('\n            ')}`, `(local.set $p (i32.add ${g('y')} (i32.add (i32.mul (i32.add (i32.mul ${g('b')} ${g('oh')}) (i32.shl ${g('ty')} (i32.const 1))) ${g('rowb')}) (i32.mul (i32.shl ${g('tx')} (i32.const 1)) ${g('cb')}))))`)})`;
}

export function winogradWat(): string {
  return `${inputTransform()}
  ${outputTransform()}`;
}
