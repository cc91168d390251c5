// `distillery export-model <run> --format tfjs|onnx -o <folder>`: a run's
// classifier in a format other tools load, verified with the other runtime.
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { int } from '../format.js';
import { numberArg } from '../schema-options.js';

export function registerExportModel(program: Command, ctx: CliContext): void {
  program
    .command('export-model <run-id>')
    .description("write a run's classifier as a TensorFlow.js layers model or an ONNX model, load it back with that runtime, and check it predicts as Distillery does")
    .addOption(new Option('--format <format>', 'tfjs (layers format for tf.loadLayersModel) or onnx (opset 13, for onnxruntime and others)').choices(['tfjs', 'onnx']).makeOptionMandatory())
    .requiredOption('-o, --out <folder>', 'folder to write the model files to (created if missing)')
    .option('--images <n>', 'test images compared with Distillery\'s predictions', numberArg('--images', true), 1000)
    .action(async (id: string, o: { format: string; out: string; images: number }) => {
      await ctx.withService(async (svc) => {
        const progress = ctx.json ? () => {} : (m: string) => process.stderr.write(`export-model: ${m}\n`);
        const r = await svc.exportModel(id, { format: o.format, out: o.out, images: o.images, onProgress: progress });
        const v = r.verification;
        const lines = [
          `run ${r.runId} → ${r.format} in ${r.folder}: ${r.status}${r.reason ? ` (${r.reason})` : ''}`,
          ...r.files.map((f) => `  ${f.name}  ${int(f.size)} bytes  sha256 ${f.sha256}`),
          `  size ${int(r.bytes)} bytes (${(r.sizeRatio * 100).toFixed(1)}% of the float32 export, ${int(r.float32Bytes)} bytes); gzipped ${int(r.gzipBytes)} bytes (${((r.gzipBytes / r.bytes) * 100).toFixed(1)}%)`,
          r.quantized.length ? `  integer weights: ${r.quantized.join(', ')}; largest weight change ${r.weightMaxDiff.toExponential(2)}` : '',
          v
            ? `  ${v.runtime}: agrees on ${(v.agreement * 100).toFixed(2)}% of ${int(v.images)} test images (needs ${(v.threshold * 100).toFixed(1)}%), largest logit difference ${v.maxLogitDiff.toExponential(2)}; test accuracy ${v.exportAccuracy.toFixed(4)} vs Distillery ${v.distilleryAccuracy.toFixed(4)}`
            : '',
          r.latency ? `  ${r.latency.runtime}: ${r.latency.b1Ms.toFixed(3)} ms per image at batch 1, ${r.latency.b64Ms.toFixed(3)} ms at batch 64` : '',
        ].filter(Boolean);
        ctx.print(lines.join('\n'), r);
        if (r.status === 'failed') process.exitCode = 1;
      });
    });
}
