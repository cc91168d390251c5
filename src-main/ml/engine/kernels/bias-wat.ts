// Source of the bias add in kernels.wasm: out[r, :] = x[r, :] + bias for
// every row r of x viewed as [rows, C], 4 channels at a time. Each
// convolution's bias while a gradient is recorded (tfjs unfuses conv + bias
// then) is this broadcast Add, which the stock kernel ran at twice the time
// of an add of two equal shapes.

const g = (x: string) => `(local.get $${x})`;

export function biasWat(): string {
  return `
  (func (export "biasAdd") (param $x i32) (param $bias i32) (param $out i32) (param $rows i32) (param $c i32)
    (local $r i32) (local $off i32) (local $cb i32) (local $p i32)
    (local.set $cb (i32.shl ${g('c')} (i32.const 2)))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_u ${g('r')} ${g('rows')}))
      (local.set $p (i32.mul ${g('r')} ${g('cb')}))
      (local.set $off (i32.const 0))
      (block $cdone (loop $cloop
        (br_if $cdone (i32.ge_u ${g('off')} ${g('cb')}))
        (v128.store (i32.add (i32.add ${g('out')} ${g('p')}) ${g('off')})
          (f32x4.add (v128.load (i32.add (i32.add ${g('x')} ${g('p')}) ${g('off')})) (v128.load (i32.add ${g('bias')} ${g('off')}))))
        (local.set $off (i32.add ${g('off')} (i32.const 16)))
        (br $cloop)))
      (local.set $r (i32.add ${g('r')} (i32.const 1)))
      (br $rloop))))`;
}
