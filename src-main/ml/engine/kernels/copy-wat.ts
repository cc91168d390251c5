// Source of the strided block copies in kernels.wasm: zero padding of a
// convolution's input and cropping of a padded gradient move whole image
// rows with memory.copy (bulk memory), instead of a JavaScript loop per
// row (for one-channel images a row is 28 floats) or tfjs's per-element
// Slice; a strided convolution's column matrix is gathered the same way
// (copyRows) and its gradient scattered back with addRows.

const g = (x: string) => `(local.get $${x})`;

/**
 * A function walking n images × `rows` rows, src and dst each with its own
 * image and row strides (bytes), running `row` (with $s and $d at the row's
 * start) on each.
 */
function rowWalk(name: string, locals: string, setup: string, row: string): string {
  return `
  (func (export "${name}")
    (param $src i32) (param $srcImage i32) (param $srcRow i32)
    (param $dst i32) (param $dstImage i32) (param $dstRow i32)
    (param $n i32) (param $rows i32) (param $rowBytes i32)
    (local $i i32) (local $y i32) (local $s i32) (local $d i32) ${locals}
    ${setup}
    (block $idone (loop $iloop
      (br_if $idone (i32.ge_u ${g('i')} ${g('n')}))
      (local.set $s (i32.add ${g('src')} (i32.mul ${g('i')} ${g('srcImage')})))
      (local.set $d (i32.add ${g('dst')} (i32.mul ${g('i')} ${g('dstImage')})))
      (local.set $y (i32.const 0))
      (block $ydone (loop $yloop
        (br_if $ydone (i32.ge_u ${g('y')} ${g('rows')}))
        ${row}
        (local.set $s (i32.add ${g('s')} ${g('srcRow')}))
        (local.set $d (i32.add ${g('d')} ${g('dstRow')}))
        (local.set $y (i32.add ${g('y')} (i32.const 1)))
        (br $yloop)))
      (local.set $i (i32.add ${g('i')} (i32.const 1)))
      (br $iloop))))`;
}

export function copyWat(): string {
  // copyRows: rowBytes bytes from src to dst per row.
  const copy = rowWalk('copyRows', '', '', `(memory.copy ${g('d')} ${g('s')} ${g('rowBytes')})`);
  // addRows: dst[...] += src[...] (rowBytes a multiple of 4; 16-byte vectors, then floats).
  const add = rowWalk(
    'addRows',
    '(local $o i32) (local $vend i32)',
    `(local.set $vend (i32.and ${g('rowBytes')} (i32.const -16)))`,
    `(local.set $o (i32.const 0))
        (block $vdone (loop $vloop
          (br_if $vdone (i32.ge_u ${g('o')} ${g('vend')}))
          (v128.store (i32.add ${g('d')} ${g('o')}) (f32x4.add (v128.load (i32.add ${g('d')} ${g('o')})) (v128.load (i32.add ${g('s')} ${g('o')}))))
          (local.set $o (i32.add ${g('o')} (i32.const 16)))
          (br $vloop)))
        (block $fdone (loop $floop
          (br_if $fdone (i32.ge_u ${g('o')} ${g('rowBytes')}))
          (f32.store (i32.add ${g('d')} ${g('o')}) (f32.add (f32.load (i32.add ${g('d')} ${g('o')})) (f32.load (i32.add ${g('s')} ${g('o')}))))
          (local.set $o (i32.add ${g('o')} (i32.const 4)))
          (br $floop)))`,
  );
  return copy + add;
}
