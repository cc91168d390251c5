// Source of nearest-neighbour upsampling by whole factors (what
// tf.layers.upSampling2d runs: the conv autoencoder's decoder) and its
// gradient, in kernels.wasm, 4 channels at a time (channels a multiple of 4).
// Image rows are walked as one index p over (image, row): output rows
// p·sh … p·sh + sh − 1 belong to input row p, because OH = H·sh.

const g = (x: string) => `(local.get $${x})`;

/** Loops over input pixels (p, x) and channel vectors (byte offset `off`), with `body` inside. */
function pixelLoops(body: string): string {
  return `
    (local.set $cb (i32.shl ${g('c')} (i32.const 2)))
    (local.set $ow (i32.mul ${g('w')} ${g('sw')}))
    (local.set $p (i32.const 0))
    (block $pdone (loop $ploop
      (br_if $pdone (i32.ge_u ${g('p')} ${g('rows')}))
      (local.set $x (i32.const 0))
      (block $xdone (loop $xloop
        (br_if $xdone (i32.ge_u ${g('x')} ${g('w')}))
        ;; byte offsets of input pixel (p, x) and of the top-left of its output block
        (local.set $src (i32.mul (i32.add (i32.mul ${g('p')} ${g('w')}) ${g('x')}) ${g('cb')}))
        (local.set $blk (i32.mul (i32.add (i32.mul (i32.mul ${g('p')} ${g('sh')}) ${g('ow')}) (i32.mul ${g('x')} ${g('sw')})) ${g('cb')}))
        (local.set $off (i32.const 0))
        (block $cdone (loop $cloop
          (br_if $cdone (i32.ge_u ${g('off')} ${g('cb')}))
          ${body}
          (local.set $off (i32.add ${g('off')} (i32.const 16)))
          (br $cloop)))
        (local.set $x (i32.add ${g('x')} (i32.const 1)))
        (br $xloop)))
      (local.set $p (i32.add ${g('p')} (i32.const 1)))
      (br $ploop)))`;
}

/** The sh×sw block of pixel (p, x), at channel offset `off`: `each` runs with $q at each element's address. */
function blockLoops(each: string): string {
  return `
          (local.set $a (i32.const 0))
          (block $adone (loop $aloop
            (br_if $adone (i32.ge_u ${g('a')} ${g('sh')}))
            (local.set $q (i32.add (i32.add ${g('blk')} ${g('off')}) (i32.mul (i32.mul ${g('a')} ${g('ow')}) ${g('cb')})))
            (local.set $bb (i32.const 0))
            (block $bdone (loop $bloop
              (br_if $bdone (i32.ge_u ${g('bb')} ${g('sw')}))
              ${each}
              (local.set $q (i32.add ${g('q')} ${g('cb')}))
              (local.set $bb (i32.add ${g('bb')} (i32.const 1)))
              (br $bloop)))
            (local.set $a (i32.add ${g('a')} (i32.const 1)))
            (br $aloop)))`;
}

const PARAMS = '(param $from i32) (param $to i32) (param $rows i32) (param $w i32) (param $c i32) (param $sh i32) (param $sw i32)';
const LOCALS = '(local $cb i32) (local $ow i32) (local $p i32) (local $x i32) (local $src i32) (local $blk i32) (local $off i32) (local $a i32) (local $bb i32) (local $q i32) (local $v v128)';

export function upsampleWat(): string {
  return `
  ;; to[p·sh + a, x·sw + b, :] = from[p, x, :]   (rows = N·H input rows; from [N, H, W, C], to [N, H·sh, W·sw, C])
  (func (export "upsample") ${PARAMS} ${LOCALS}
    ${pixelLoops(`(local.set $v (v128.load (i32.add (i32.add ${g('from')} ${g('src')}) ${g('off')})))
          ${blockLoops(`(v128.store (i32.add ${g('to')} ${g('q')}) ${g('v')})`)}`)})
  ;; to[p, x, :] = Σ_a Σ_b from[p·sh + a, x·sw + b, :]   (from is dy [N, H·sh, W·sw, C], to is dx [N, H, W, C])
  (func (export "upsampleGrad") ${PARAMS} ${LOCALS}
    ${pixelLoops(`(local.set $v (v128.const i32x4 0 0 0 0))
          ${blockLoops(`(local.set $v (f32x4.add ${g('v')} (v128.load (i32.add ${g('from')} ${g('q')}))))`)}
          (v128.store (i32.add (i32.add ${g('to')} ${g('src')}) ${g('off')}) ${g('v')})`)})`;
}
