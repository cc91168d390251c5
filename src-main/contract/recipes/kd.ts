import { z } from 'zod';
import { distillFields, pickTrainingFields, trainingFields } from '../kinds/common.js';
import { defineRecipe } from './recipe.js';

export const kd = defineRecipe({
  recipe: 'kd',
  label: 'KD recipe',
  help: "The seed's experiment: trains the teacher CNN, then a student MLP on the teacher's softened outputs, and the same student alone for comparison (three runs).",
  schema: z.object({ ...trainingFields, ...distillFields }),
  title: () => 'Knowledge distillation',
  steps: (o) => {
    const common = pickTrainingFields(o);
    return [
      { label: 'teacher', config: () => ({ ...common, kind: 'train', model: 'teacher' }) },
      { label: 'student with teacher', after: [0], config: (ids) => ({ ...common, kind: 'distill', model: 'student', temperature: o.temperature, alpha: o.alpha, teacherRunId: ids[0] }) },
      { label: 'student alone', after: [0], config: () => ({ ...common, kind: 'train', model: 'student' }) },
    ];
  },
});
