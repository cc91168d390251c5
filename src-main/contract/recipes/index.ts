// The table of recipes. Adding one: a file beside this one and a row here.
import { kd } from './kd.js';
import { deepCompression, pipeline } from './pipeline.js';
import type { RecipeDef } from './recipe.js';
import { deepCompressionLenet300, deepCompressionLenet5, dirvaeVsGvae, hintonMnist, kerasKdExample, seedKd } from './reproduce.js';
import { vaeCompare } from './vae-compare.js';

export const RECIPES = {
  kd,
  'vae-compare': vaeCompare,
  pipeline,
  'deep-compression': deepCompression,
  'seed-kd': seedKd,
  'deep-compression-lenet300': deepCompressionLenet300,
  'deep-compression-lenet5': deepCompressionLenet5,
  'dirvae-vs-gvae': dirvaeVsGvae,
  'keras-kd-example': kerasKdExample,
  'hinton-mnist': hintonMnist,
} as const;

export type RecipeId = keyof typeof RECIPES;
RECIPES satisfies { [R in RecipeId]: RecipeDef<R> };
export const RECIPE_IDS = Object.keys(RECIPES) as [RecipeId, ...RecipeId[]];
export const RECIPE_LIST = Object.values(RECIPES) as unknown as RecipeDef[];

export function isRecipe(r: string): r is RecipeId {
  return Object.hasOwn(RECIPES, r);
}
export type { RecipeDef, RecipeStep } from './recipe.js';
export { QUICK, REPRODUCTIONS, estimateSeconds, formatDuration, measuredSpeeds, type Reproduction } from './reproduce.js';
