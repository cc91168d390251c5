// Source of the strided block copy in kernels.wasm: zero padding of a
// convolution's input and cropping of a padded gradient move whole image
// rows with memory.copy (bulk memory), instead of a JavaScript loop per
// row (for one-channel images a row is 28 floats) or tfjs's per-element Slice.

const g = (x: string) => `(local.get $${x})`;

export function copyWat(): string {
  return `
  ;; For each of n images and each of its rows: rowBytes bytes from src to dst, each side with its own image and row strides (bytes).
  (func (export "copyRows")
    (param $src i32) (param $srcImage i32) (param $srcRow i32)
    (param $dst i32) (param $dstImage i32) (param $dstRow i32)
    (param $n i32) (param $rows i32) (param $rowBytes i32)
    (local $i i32) (local $y i32) (local $s i32) (local $d i32)
    (block $idone (loop $iloop
      (br_if $idone (i32.ge_u ${g('i')} ${g('n')}))
      (local.set $s (i32.add ${g('src')} (i32.mul ${g('i')} ${g('srcImage')})))
      (local.set $d (i32.add ${g('dst')} (i32.mul ${g('i')} ${g('dstImage')})))
      (local.set $y (i32.const 0))
      (block $ydone (loop $yloop
        (br_if $ydone (i32.ge_u ${g('y')} ${g('rows')}))
        (memory.copy ${g('d')} ${g('s')} ${g('rowBytes')})
        (local.set $s (i32.add ${g('s')} ${g('srcRow')}))
        (local.set $d (i32.add ${g('d')} ${g('dstRow')}))
        (local.set $y (i32.add ${g('y')} (i32.const 1)))
        (br $yloop)))
      (local.set $i (i32.add ${g('i')} (i32.const 1)))
      (br $iloop))))`;
}
