import { z } from 'zod';
import { trainingFields } from './common.js';
import { defineKind } from './kind.js';

const { dataset, testLimit, seed, backend } = trainingFields;

export const importModel = defineKind({
  kind: 'import',
  label: 'Import model',
  help: 'Brings your own classifier: a TensorFlow.js layers model (Sequential, or a plain chain of Dense, Conv2D, MaxPooling2D, Flatten, Dropout and Activation layers) taking 28×28×1 or 784 inputs in [0, 1] and giving 10 classes. It is checked, evaluated on the test set and saved as this run\'s model, for compression and as a distillation teacher.',
  group: 'train',
  needs: [],
  leaves: 'classifier',
  schema: z.object({
    kind: z.literal('import'),
    path: z.string().min(1, 'is required').meta({ title: 'Model file', description: "The model's model.json, or the folder holding it (with its weights files)." }),
    model: z.string().meta({ internal: true, description: 'What tables show as the model.' }).default('imported'),
    dataset,
    testLimit,
    seed,
    backend,
  }),
});
