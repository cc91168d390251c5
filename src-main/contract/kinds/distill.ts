import { z } from 'zod';
import { checkTrainerFields, dataParallel, distillFields, trainerFields, trainingFields } from './common.js';
import { defineKind } from './kind.js';
import { classifierModel } from './train.js';

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
    ...trainingFields,
    ...trainerFields,
  }).superRefine(checkTrainerFields),
});
