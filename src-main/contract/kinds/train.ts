import { z } from 'zod';
import { dataParallel, trainingFields } from './common.js';
import { defineKind } from './kind.js';

export const CLASSIFIER_MODEL_NAMES = ['teacher', 'student', 'lenet300'] as const;
export const classifierModel = z.enum(CLASSIFIER_MODEL_NAMES);

export const train = defineKind({
  kind: 'train',
  label: 'Train',
  help: 'Trains one classifier from scratch on the labels: the teacher CNN (1,199,882 parameters), the student MLP (118,282) or LeNet-300-100.',
  group: 'train',
  needs: [],
  leaves: 'classifier',
  schema: z.object({
    kind: z.literal('train'),
    model: classifierModel.meta({ title: 'Model', description: "teacher (CNN), student (MLP) or lenet300 (Han et al.'s LeNet-300-100)." }),
    dataParallel,
    ...trainingFields,
  }),
});
