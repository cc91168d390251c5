import { z } from 'zod';
import { checkTrainerFields, dataParallel, trainerFields, trainingFields } from './common.js';
import { defineKind } from './kind.js';

export const CLASSIFIER_MODEL_NAMES = ['teacher', 'student', 'lenet300', 'lenet5', 'hinton-teacher', 'hinton-student', 'keras-teacher', 'keras-student'] as const;
export const classifierModel = z.enum(CLASSIFIER_MODEL_NAMES);

export const train = defineKind({
  kind: 'train',
  label: 'Train',
  help: 'Trains one classifier from scratch on the labels: the teacher CNN (1,199,882 parameters), the student MLP (118,282), LeNet-300-100, LeNet-5 (Caffe, 431,080), Hinton et al.\'s MNIST MLPs or the Keras KD example\'s CNNs.',
  group: 'train',
  needs: [],
  leaves: 'classifier',
  schema: z.object({
    kind: z.literal('train'),
    model: classifierModel.meta({ title: 'Model', description: "teacher (CNN), student (MLP), lenet300 / lenet5 (Han et al.), hinton-teacher / hinton-student (Hinton et al. 2015), keras-teacher / keras-student (keras.io KD example)." }),
    dataParallel,
    ...trainingFields,
    ...trainerFields,
  }).superRefine(checkTrainerFields),
});
