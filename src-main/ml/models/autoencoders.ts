// The seed's autoencoders and VAE encoders/decoders (parameter counts:
// conv AE 4,385; dense AE 201,616; VAE encoder 403,972). Decoders end in a
// linear "logits" layer followed by a separate sigmoid, so reconstructions
// can be sharpened by dividing the logits by a temperature.
import * as tf from '@tensorflow/tfjs';

export const AE_MODELS = ['conv', 'dense'] as const;
export type AeModel = (typeof AE_MODELS)[number];

export interface Autoencoder {
  /** Full model: image → reconstruction in [0, 1]. */
  model: tf.LayersModel;
  /** Image → code (conv: 4×4×8 = 128 values; dense: 128). */
  encoder: tf.LayersModel;
  /** Image → reconstruction logits (before the sigmoid). */
  logits: tf.LayersModel;
  /** Shape the model takes: [28, 28, 1] (conv) or [784] (dense). */
  inputShape: number[];
}

const conv = (name: string, filters: number, padding: 'same' | 'valid', activation: 'relu' | 'linear' = 'relu') =>
  tf.layers.conv2d({ name, filters, kernelSize: 3, padding, activation });

/** The seed's convolutional AE: 16-8-8 encoder to 4×4×8, 8-8-16-1 decoder. */
export function buildConvAe(): Autoencoder {
  const input = tf.input({ shape: [28, 28, 1], name: 'input' });
  let x = conv('enc_conv1', 16, 'same').apply(input);
  x = tf.layers.maxPooling2d({ name: 'enc_pool1', poolSize: 2, padding: 'same' }).apply(x);
  x = conv('enc_conv2', 8, 'same').apply(x);
  x = tf.layers.maxPooling2d({ name: 'enc_pool2', poolSize: 2, padding: 'same' }).apply(x);
  x = conv('enc_conv3', 8, 'same').apply(x);
  const code = tf.layers.maxPooling2d({ name: 'encoded', poolSize: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor; // 4×4×8
  x = conv('dec_conv1', 8, 'same').apply(code);
  x = tf.layers.upSampling2d({ name: 'dec_up1', size: [2, 2] }).apply(x); // 8
  x = conv('dec_conv2', 8, 'same').apply(x);
  x = tf.layers.upSampling2d({ name: 'dec_up2', size: [2, 2] }).apply(x); // 16
  x = conv('dec_conv3', 16, 'valid').apply(x); // 14
  x = tf.layers.upSampling2d({ name: 'dec_up3', size: [2, 2] }).apply(x); // 28
  const logits = conv('logits', 1, 'same', 'linear').apply(x) as tf.SymbolicTensor;
  const out = tf.layers.activation({ name: 'sigmoid', activation: 'sigmoid' }).apply(logits) as tf.SymbolicTensor;
  const flatCode = tf.layers.flatten({ name: 'code' }).apply(code) as tf.SymbolicTensor;
  return {
    model: tf.model({ inputs: input, outputs: out, name: 'conv_ae' }),
    encoder: tf.model({ inputs: input, outputs: flatCode }),
    logits: tf.model({ inputs: input, outputs: logits }),
    inputShape: [28, 28, 1],
  };
}

/** The seed's dense AE 784-128-784. */
export function buildDenseAe(): Autoencoder {
  const input = tf.input({ shape: [784], name: 'input' });
  const code = tf.layers.dense({ name: 'encoded', units: 128, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ name: 'logits', units: 784 }).apply(code) as tf.SymbolicTensor;
  const out = tf.layers.activation({ name: 'sigmoid', activation: 'sigmoid' }).apply(logits) as tf.SymbolicTensor;
  return {
    model: tf.model({ inputs: input, outputs: out, name: 'dense_ae' }),
    encoder: tf.model({ inputs: input, outputs: code }),
    logits: tf.model({ inputs: input, outputs: logits }),
    inputShape: [784],
  };
}

export function buildAutoencoder(kind: AeModel): Autoencoder {
  return kind === 'conv' ? buildConvAe() : buildDenseAe();
}

/** Rebuilds the encoder/logits views of a loaded autoencoder model. */
export function autoencoderViews(model: tf.LayersModel): Autoencoder {
  const conv = model.inputs[0].shape.length === 4;
  const code = model.getLayer('encoded').output as tf.SymbolicTensor;
  return {
    model,
    encoder: tf.model({ inputs: model.inputs, outputs: conv ? (tf.layers.flatten().apply(code) as tf.SymbolicTensor) : code }),
    logits: tf.model({ inputs: model.inputs, outputs: model.getLayer('logits').output as tf.SymbolicTensor }),
    inputShape: conv ? [28, 28, 1] : [784],
  };
}

export interface Vae {
  /** 784 → hidden → heads. Gaussian: [z_mean, z_log_var]; Dirichlet: [alpha_hat]. */
  encoder: tf.LayersModel;
  /** latent → 784 logits (sigmoid gives pixel probabilities). */
  decoder: tf.LayersModel;
  latentDim: number;
}

/** Gaussian VAE of the seed: encoder 784-512-(d, d), mirrored decoder d-512-784. */
export function buildGaussianVae(latentDim: number, hidden = 512): Vae {
  if (!(Number.isInteger(latentDim) && latentDim >= 1)) throw new RangeError(`latentDim: must be an integer ≥ 1, got ${latentDim}`);
  const x = tf.input({ shape: [784], name: 'encoder_input' });
  const h = tf.layers.dense({ name: 'dense_1', units: hidden, activation: 'relu' }).apply(x);
  const mean = tf.layers.dense({ name: 'z_mean', units: latentDim }).apply(h) as tf.SymbolicTensor;
  const logVar = tf.layers.dense({ name: 'z_log_var', units: latentDim }).apply(h) as tf.SymbolicTensor;
  return { encoder: tf.model({ inputs: x, outputs: [mean, logVar], name: 'encoder' }), decoder: buildDecoder(latentDim, hidden), latentDim };
}

/**
 * Dirichlet VAE: the same encoder body with one softplus head for the concentrations α̂.
 * Its decoder first multiplies z by K (see buildDecoder's inputScale).
 */
export function buildDirichletVae(latentDim: number, hidden = 512): Vae {
  if (!(Number.isInteger(latentDim) && latentDim >= 2)) throw new RangeError(`latentDim: a Dirichlet latent needs at least 2 dimensions, got ${latentDim}`);
  const x = tf.input({ shape: [784], name: 'encoder_input' });
  const h = tf.layers.dense({ name: 'dense_1', units: hidden, activation: 'relu' }).apply(x);
  const alpha = tf.layers.dense({ name: 'alpha_hat', units: latentDim, activation: 'softplus' }).apply(h) as tf.SymbolicTensor;
  return { encoder: tf.model({ inputs: x, outputs: alpha, name: 'encoder' }), decoder: buildDecoder(latentDim, hidden, latentDim), latentDim };
}

/**
 * d → hidden → 784 logits. `inputScale` multiplies z first (a parameter-free
 * Rescaling layer, which tfjs saves and reloads by itself): a simplex sample's
 * entries are ≈ 1/K where a Gaussian latent's are O(1), and unscaled the decoder
 * barely reacts to z, so the KL holds the posterior at the prior (at K = 50 all
 * dimensions collapsed). Scaling by K made the IS-NLL 133.8 → 123.0 at K = 10 and
 * 146.2 → 111.5 at K = 50 in the diagnosis of issue 12; centring did not matter.
 * Being part of the decoder, training, likelihood, pictures and saved models agree.
 */
function buildDecoder(latentDim: number, hidden: number, inputScale = 1): tf.LayersModel {
  const z = tf.input({ shape: [latentDim], name: 'z_sampling' });
  const scaled = inputScale === 1 ? z : tf.layers.rescaling({ name: 'simplex_scale', scale: inputScale }).apply(z);
  const h = tf.layers.dense({ name: 'dense_2', units: hidden, activation: 'relu' }).apply(scaled);
  const logits = tf.layers.dense({ name: 'logits', units: 784 }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: z, outputs: logits, name: 'decoder' });
}
