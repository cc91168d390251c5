// Hand-derived arithmetic of one training step, for `npm run bench -- train`'s
// GFLOP/s: multiply-adds of the Dense and Conv2D layers only (pooling,
// upsampling, activations, biases and the losses are left out), forward × 3
// for forward + backward (input and weight gradients), × 2 FLOPs per MAC.
import * as tf from '@tensorflow/tfjs';

const product = (xs: (number | null)[]) => xs.reduce<number>((p, x) => p * (x ?? 1), 1);

/** Forward multiply-adds per image of `model`'s Dense and Conv2D layers (nested models included). */
export function forwardMacsPerImage(model: tf.LayersModel): number {
  let macs = 0;
  for (const layer of model.layers) {
    if (layer instanceof tf.LayersModel) macs += forwardMacsPerImage(layer);
    else if (layer.getClassName() === 'Dense') {
      // Kernel [in, out], applied at every position of the leading (non-batch) axes, which the output shares.
      macs += product(layer.weights[0].shape) * product((layer.outputShape as (number | null)[]).slice(1, -1));
    } else if (layer.getClassName() === 'Conv2D') {
      // Kernel [kh, kw, cin, cout], applied at each of the outH × outW output positions.
      const [, outH, outW] = layer.outputShape as number[];
      macs += product(layer.weights[0].shape) * outH * outW;
    }
  }
  return macs;
}

/** FLOPs of one training step per image: forward MACs × 3 (forward + backward) × 2. For a VAE, pass encoder and decoder. */
export function trainingFlopsPerImage(model: tf.LayersModel | tf.LayersModel[]): number {
  return (Array.isArray(model) ? model : [model]).reduce((sum, m) => sum + forwardMacsPerImage(m) * 3 * 2, 0);
}
