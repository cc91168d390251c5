import { z } from 'zod';
import { checkTrainerFields, dataParallel, distillFields, trainerFields, trainingFields } from './common.js';
import { defineKind } from './kind.js';
import { classifierModel } from './train.js';

/** Classes of the built-in datasets (MNIST, Fashion-MNIST) and of every classifier's output layer. */
const NUM_CLASSES = 10;
/**
 * Training images held out for the bias correction when classes are omitted: the last 5,000
 * (about 500 per class, so an offset that fixes or breaks 1 % of a class moves the count by ~5).
 */
export const DEFAULT_BIAS_HOLDOUT = 5000;

/** Fields of the "omit a class from the transfer set" experiment (Hinton et al. 2015 §3). */
const omitFields = {
  omitClasses: z
    // Labels are checked in checkOmitFields, so that an error names the field and the label, not an index into the list.
    .array(z.number())
    .meta({
      title: 'Omit classes',
      placeholder: 'none',
      description: 'Class labels removed from the transfer (training) set: the student never sees their images, neither soft nor hard targets. After training, the output bias of each omitted class is raised by the offset (0–10, steps of 0.25) that is most accurate on the held-out end of the training set; test errors are reported before and after (Hinton et al. 2015 §3, "omit the 3s").',
      advanced: true,
    })
    .optional(),
  biasHoldout: z
    .number().int('must be a whole number of images').min(1, 'must be at least 1').max(1_000_000)
    .meta({ title: 'Bias hold-out images', placeholder: String(DEFAULT_BIAS_HOLDOUT), description: `With omitted classes: the last n training images are kept out of training (all classes, the omitted ones too) and choose the bias offset; empty = ${DEFAULT_BIAS_HOLDOUT}.`, advanced: true })
    .optional(),
  compareBiasOffset: z
    .number().min(-100).max(100)
    .meta({ title: 'Compare with offset', placeholder: 'none', description: 'With omitted classes: also report the test errors with this fixed offset on their biases (e.g. the paper\'s +3.5, which it chose on the test set); for comparison only, the saved model keeps the chosen one.', advanced: true })
    .optional(),
};

type OmitOptions = { omitClasses?: number[]; biasHoldout?: number; compareBiasOffset?: number };

/** Cross-field checks of the omit fields (each problem names its field). */
function checkOmitFields(o: OmitOptions, ctx: z.core.$RefinementCtx): void {
  const omit = o.omitClasses ?? [];
  const bad = omit.filter((k) => !Number.isInteger(k) || k < 0 || k >= NUM_CLASSES);
  if (bad.length > 0) ctx.addIssue({ code: 'custom', path: ['omitClasses'], message: `${bad.join(', ')} ${bad.length === 1 ? 'is not a class label' : 'are not class labels'}: the labels are the integers 0–${NUM_CLASSES - 1}` });
  if (new Set(omit).size !== omit.length) ctx.addIssue({ code: 'custom', path: ['omitClasses'], message: 'names a class twice' });
  if (new Set(omit).size >= NUM_CLASSES) ctx.addIssue({ code: 'custom', path: ['omitClasses'], message: `cannot omit every class (all ${NUM_CLASSES}): nothing would be left to train on` });
  if (omit.length === 0) {
    if (o.biasHoldout !== undefined) ctx.addIssue({ code: 'custom', path: ['biasHoldout'], message: 'needs omitClasses (the hold-out only chooses their bias offset)' });
    if (o.compareBiasOffset !== undefined) ctx.addIssue({ code: 'custom', path: ['compareBiasOffset'], message: 'needs omitClasses (the offset goes on their biases)' });
  }
}

export const distill = defineKind({
  kind: 'distill',
  label: 'Distill',
  help: "Trains a student on a completed run's soft targets: loss = α·T²·CE(teacher/T, student/T) + (1−α)·CE(labels, student).",
  group: 'train',
  needs: [{ field: 'teacherRunId', role: 'teacher', leaves: 'classifier' }],
  leaves: 'classifier',
  flags: { teacherRunId: 'teacher' },
  schema: z.object({
    kind: z.literal('distill'),
    model: classifierModel.meta({ title: 'Student model', description: 'The student architecture, trained from scratch (teacher = self-distillation).' }).default('student'),
    teacherRunId: z.string().min(1, 'is required').meta({ title: 'Teacher run', description: 'Completed classifier run whose softened outputs the student learns.' }),
    dataParallel,
    ...distillFields,
    ...omitFields,
    ...trainingFields,
    ...trainerFields,
  }).superRefine((o, ctx) => {
    checkTrainerFields(o, ctx);
    checkOmitFields(o, ctx);
  }),
});
