// Source of the max-pool gradients in kernels.wasm, channels in whole 4-lane
// vectors, TensorFlow's semantics: each window's gradient goes to its first
// maximal element in scan order (rows, then columns, within the window clipped
// to the input, so padding never wins), chosen with lane masks (the lanes
// equal to the window's maximum and not yet taken); overlapping windows add up.
// - maxPoolGrad2x2: the common 2×2, stride-2, unpadded pooling; one pass
//   writes every element of each window.
// - maxPoolGrad: any window, stride and top/left padding (the Keras KD CNNs'
//   2×2 stride-1 'same' pooling, overlapping windows): zeroes dx, then per
//   window and channel vector one pass for the maximum and one that adds dy
//   to the first maximal element; whole 2×2 windows are unrolled (their four
//   vectors loaded once).

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
      (br $bloop))))

  ;; dx = 0, then for each window (oy, ox), clipped to the input: dx[b, y, x, c] += dy[b, oy, ox, c]
  ;; at the window's first (y, then x) element equal to its maximum (running max kept as the first
  ;; element, replaced only by greater ones, as TensorFlow's loop does; f32x4.pmax is that step).
  (func (export "maxPoolGrad")
    (param $x i32) (param $dy i32) (param $dx i32)
    (param $n i32) (param $h i32) (param $w i32) (param $c i32) (param $oh i32) (param $ow i32)
    (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (local $cb i32) (local $rs i32) (local $b i32) (local $oy i32) (local $ox i32) (local $gp i32)
    (local $ys i32) (local $y0 i32) (local $y1 i32) (local $xs i32) (local $x0 i32) (local $x1 i32)
    (local $p0 i32) (local $pend i32) (local $span i32) (local $off i32) (local $r i32) (local $rend i32) (local $q i32) (local $qend i32)
    (local $full i32) (local $a i32) (local $d i32)
    (local $mx v128) (local $gv v128) (local $m v128) (local $taken v128)
    (local $v00 v128) (local $v01 v128) (local $v10 v128) (local $v11 v128) (local $s00 v128) (local $s01 v128) (local $s10 v128)
    (local.set $cb (i32.shl ${g('c')} (i32.const 2)))
    (local.set $rs (i32.mul ${g('w')} ${g('cb')}))
    ;; zero dx (n·h·w·c floats, a whole number of vectors)
    (local.set $q ${g('dx')})
    (local.set $qend (i32.add ${g('dx')} (i32.mul (i32.mul ${g('n')} ${g('h')}) ${g('rs')})))
    (block $zdone (loop $zloop
      (br_if $zdone (i32.ge_u ${g('q')} ${g('qend')}))
      (v128.store ${g('q')} (v128.const i32x4 0 0 0 0))
      (local.set $q (i32.add ${g('q')} (i32.const 16)))
      (br $zloop)))
    (local.set $gp ${g('dy')})
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_u ${g('b')} ${g('n')}))
      (local.set $oy (i32.const 0))
      (block $ydone (loop $yloop
        (br_if $ydone (i32.ge_u ${g('oy')} ${g('oh')}))
        (local.set $ys (i32.sub (i32.mul ${g('oy')} ${g('sh')}) ${g('top')}))
        (local.set $y0 (select (i32.const 0) ${g('ys')} (i32.lt_s ${g('ys')} (i32.const 0))))
        (local.set $y1 (i32.add ${g('ys')} ${g('fh')}))
        (local.set $y1 (select ${g('h')} ${g('y1')} (i32.gt_s ${g('y1')} ${g('h')})))
        (local.set $ox (i32.const 0))
        (block $xdone (loop $xloop
          (br_if $xdone (i32.ge_u ${g('ox')} ${g('ow')}))
          (local.set $xs (i32.sub (i32.mul ${g('ox')} ${g('sw')}) ${g('left')}))
          (local.set $x0 (select (i32.const 0) ${g('xs')} (i32.lt_s ${g('xs')} (i32.const 0))))
          (local.set $x1 (i32.add ${g('xs')} ${g('fw')}))
          (local.set $x1 (select ${g('w')} ${g('x1')} (i32.gt_s ${g('x1')} ${g('w')})))
          (if (i32.and (i32.lt_s ${g('y0')} ${g('y1')}) (i32.lt_s ${g('x0')} ${g('x1')})) (then
            ;; byte offsets of (b, y0, x0, 0), one past the window's last row, and of one row's span
            (local.set $p0 (i32.mul (i32.add (i32.mul (i32.add (i32.mul ${g('b')} ${g('h')}) ${g('y0')}) ${g('w')}) ${g('x0')}) ${g('cb')}))
            (local.set $pend (i32.add ${g('p0')} (i32.mul (i32.sub ${g('y1')} ${g('y0')}) ${g('rs')})))
            (local.set $span (i32.mul (i32.sub ${g('x1')} ${g('x0')}) ${g('cb')}))
            ;; a whole 2×2 window (most of them, in 2×2 pooling): unrolled below
            (local.set $full (i32.and (i32.eq (i32.sub ${g('y1')} ${g('y0')}) (i32.const 2)) (i32.eq (i32.sub ${g('x1')} ${g('x0')}) (i32.const 2))))
            (local.set $off (i32.const 0))
            (block $cdone (loop $cloop
              (br_if $cdone (i32.ge_u ${g('off')} ${g('cb')}))
              (if ${g('full')} (then
                (local.set $a (i32.add (i32.add ${g('x')} ${g('p0')}) ${g('off')}))
                (local.set $d (i32.add (i32.add ${g('dx')} ${g('p0')}) ${g('off')}))
                (local.set $v00 (v128.load ${g('a')}))
                (local.set $v01 (v128.load (i32.add ${g('a')} ${g('cb')})))
                (local.set $v10 (v128.load (i32.add ${g('a')} ${g('rs')})))
                (local.set $v11 (v128.load (i32.add (i32.add ${g('a')} ${g('rs')}) ${g('cb')})))
                (local.set $mx (f32x4.pmax (f32x4.pmax (f32x4.pmax ${g('v00')} ${g('v01')}) ${g('v10')}) ${g('v11')}))
                (local.set $s00 (f32x4.eq ${g('v00')} ${g('mx')}))
                (local.set $s01 (v128.andnot (f32x4.eq ${g('v01')} ${g('mx')}) ${g('s00')}))
                (local.set $taken (v128.or ${g('s00')} ${g('s01')}))
                (local.set $s10 (v128.andnot (f32x4.eq ${g('v10')} ${g('mx')}) ${g('taken')}))
                (local.set $taken (v128.or ${g('taken')} ${g('s10')}))
                (local.set $m (v128.andnot (f32x4.eq ${g('v11')} ${g('mx')}) ${g('taken')}))
                (local.set $gv (v128.load (i32.add ${g('gp')} ${g('off')})))
                (v128.store ${g('d')} (f32x4.add (v128.load ${g('d')}) (v128.and ${g('gv')} ${g('s00')})))
                (local.set $q (i32.add ${g('d')} ${g('cb')}))
                (v128.store ${g('q')} (f32x4.add (v128.load ${g('q')}) (v128.and ${g('gv')} ${g('s01')})))
                (local.set $q (i32.add ${g('d')} ${g('rs')}))
                (v128.store ${g('q')} (f32x4.add (v128.load ${g('q')}) (v128.and ${g('gv')} ${g('s10')})))
                (local.set $q (i32.add ${g('q')} ${g('cb')}))
                (v128.store ${g('q')} (f32x4.add (v128.load ${g('q')}) (v128.and ${g('gv')} ${g('m')})))
                (local.set $off (i32.add ${g('off')} (i32.const 16)))
                (br $cloop)))
              ;; any other window: its maximum
              (local.set $r (i32.add ${g('p0')} ${g('off')}))
              (local.set $rend (i32.add ${g('pend')} ${g('off')}))
              (local.set $mx (v128.load (i32.add ${g('x')} ${g('r')})))
              (loop $mrow
                (local.set $q ${g('r')})
                (local.set $qend (i32.add ${g('r')} ${g('span')}))
                (loop $mcol
                  (local.set $mx (f32x4.pmax ${g('mx')} (v128.load (i32.add ${g('x')} ${g('q')}))))
                  (local.set $q (i32.add ${g('q')} ${g('cb')}))
                  (br_if $mcol (i32.lt_u ${g('q')} ${g('qend')})))
                (local.set $r (i32.add ${g('r')} ${g('rs')}))
                (br_if $mrow (i32.lt_u ${g('r')} ${g('rend')})))
              ;; dy to the first element equal to it, lane by lane
              (local.set $gv (v128.load (i32.add ${g('gp')} ${g('off')})))
              (local.set $taken (v128.const i32x4 0 0 0 0))
              (local.set $r (i32.add ${g('p0')} ${g('off')}))
              (loop $arow
                (local.set $q ${g('r')})
                (local.set $qend (i32.add ${g('r')} ${g('span')}))
                (loop $acol
                  (local.set $m (v128.andnot (f32x4.eq (v128.load (i32.add ${g('x')} ${g('q')})) ${g('mx')}) ${g('taken')}))
                  (local.set $taken (v128.or ${g('taken')} ${g('m')}))
                  (v128.store (i32.add ${g('dx')} ${g('q')})
                    (f32x4.add (v128.load (i32.add ${g('dx')} ${g('q')})) (v128.and ${g('gv')} ${g('m')})))
                  (local.set $q (i32.add ${g('q')} ${g('cb')}))
                  (br_if $acol (i32.lt_u ${g('q')} ${g('qend')})))
                (local.set $r (i32.add ${g('r')} ${g('rs')}))
                (br_if $arow (i32.lt_u ${g('r')} ${g('rend')})))
              (local.set $off (i32.add ${g('off')} (i32.const 16)))
              (br $cloop)))))
          (local.set $gp (i32.add ${g('gp')} ${g('cb')}))
          (local.set $ox (i32.add ${g('ox')} (i32.const 1)))
          (br $xloop)))
        (local.set $oy (i32.add ${g('oy')} (i32.const 1)))
        (br $yloop)))
      (local.set $b (i32.add ${g('b')} (i32.const 1)))
      (br $bloop))))`;
}

