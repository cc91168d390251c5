// Source of the max-pool gradient in kernels.wasm, for the common 2×2,
// stride-2, unpadded pooling with channels in whole 4-lane vectors:
// each window's gradient goes to its first maximal element, in TensorFlow's
// scan order (top-left, top-right, bottom-left, bottom-right), chosen with
// lane masks, so one pass writes every element of the window.

const g = (x: string) => `(local.get $${x})`;
const ld = (p: string) => `(v128.load (i32.add ${g(p)} ${g('off')}))`;

export function poolWat(): string {
  return `
  ;; dx[b, 2oy+i, 2ox+j, c] = dy[b, oy, ox, c] where x[b, 2oy+i, 2ox+j, c] is the window's first maximum, else 0.
  ;; Rows/columns past the last full window are not written (the caller zeroes them).
  (func (export "maxPoolGrad2x2")
    (param $x i32) (param $dy i32) (param $dx i32)
    (param $n i32) (param $h i32) (param $w i32) (param $c i32) (param $oh i32) (param $ow i32)
    (local $b i32) (local $oy i32) (local $ox i32) (local $off i32) (local $cb i32)
    (local $p00 i32) (local $p01 i32) (local $p10 i32) (local $p11 i32) (local $q i32) (local $gp i32)
    (local $v00 v128) (local $v01 v128) (local $v10 v128) (local $v11 v128) (local $mx v128) (local $gv v128)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $taken v128)
    (local.set $cb (i32.shl ${g('c')} (i32.const 2)))
    (local.set $gp ${g('dy')})
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_u ${g('b')} ${g('n')}))
      (local.set $oy (i32.const 0))
      (block $ydone (loop $yloop
        (br_if $ydone (i32.ge_u ${g('oy')} ${g('oh')}))
        ;; byte offset of (b, 2·oy, 0, 0)
        (local.set $q (i32.mul (i32.mul (i32.add (i32.mul ${g('b')} ${g('h')}) (i32.shl ${g('oy')} (i32.const 1))) ${g('w')}) ${g('cb')}))
        (local.set $ox (i32.const 0))
        (block $xdone (loop $xloop
          (br_if $xdone (i32.ge_u ${g('ox')} ${g('ow')}))
          (local.set $p00 (i32.add ${g('q')} (i32.mul (i32.shl ${g('ox')} (i32.const 1)) ${g('cb')})))
          (local.set $p01 (i32.add ${g('p00')} ${g('cb')}))
          (local.set $p10 (i32.add ${g('p00')} (i32.mul ${g('w')} ${g('cb')})))
          (local.set $p11 (i32.add ${g('p10')} ${g('cb')}))
          (local.set $off (i32.const 0))
          (block $cdone (loop $cloop
            (br_if $cdone (i32.ge_u ${g('off')} ${g('cb')}))
            (local.set $v00 (v128.load (i32.add (i32.add ${g('x')} ${g('p00')}) ${g('off')})))
            (local.set $v01 (v128.load (i32.add (i32.add ${g('x')} ${g('p01')}) ${g('off')})))
            (local.set $v10 (v128.load (i32.add (i32.add ${g('x')} ${g('p10')}) ${g('off')})))
            (local.set $v11 (v128.load (i32.add (i32.add ${g('x')} ${g('p11')}) ${g('off')})))
            (local.set $mx (f32x4.max (f32x4.max ${g('v00')} ${g('v01')}) (f32x4.max ${g('v10')} ${g('v11')})))
            (local.set $s00 (f32x4.eq ${g('v00')} ${g('mx')}))
            (local.set $taken ${g('s00')})
            (local.set $s01 (v128.andnot (f32x4.eq ${g('v01')} ${g('mx')}) ${g('taken')}))
            (local.set $taken (v128.or ${g('taken')} ${g('s01')}))
            (local.set $s10 (v128.andnot (f32x4.eq ${g('v10')} ${g('mx')}) ${g('taken')}))
            (local.set $taken (v128.or ${g('taken')} ${g('s10')}))
            (local.set $gv ${ld('gp')})
            (v128.store (i32.add (i32.add ${g('dx')} ${g('p00')}) ${g('off')}) (v128.and ${g('gv')} ${g('s00')}))
            (v128.store (i32.add (i32.add ${g('dx')} ${g('p01')}) ${g('off')}) (v128.and ${g('gv')} ${g('s01')}))
            (v128.store (i32.add (i32.add ${g('dx')} ${g('p10')}) ${g('off')}) (v128.and ${g('gv')} ${g('s10')}))
            (v128.store (i32.add (i32.add ${g('dx')} ${g('p11')}) ${g('off')}) (v128.andnot ${g('gv')} ${g('taken')}))
            (local.set $off (i32.add ${g('off')} (i32.const 16)))
            (br $cloop)))
          (local.set $gp (i32.add ${g('gp')} ${g('cb')}))
          (local.set $ox (i32.add ${g('ox')} (i32.const 1)))
          (br $xloop)))
        (local.set $oy (i32.add ${g('oy')} (i32.const 1)))
        (br $yloop)))
      (local.set $b (i32.add ${g('b')} (i32.const 1)))
      (br $bloop))))`;
}

