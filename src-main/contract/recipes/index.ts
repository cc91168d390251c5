// The table of recipes. Adding one: a file beside this one and a row here.
import { kd } from './kd.js';
import { deepCompression, pipeline } from './pipeline.js';
import type { RecipeDef } from './recipe.js';
import { vaeCompare } from './vae-compare.js';

export const RECIPES = {
  kd,
  'vae-compare': vaeCompare,
  pipeline,
  'deep-compression': deepCompression,
} as const;

export type RecipeId = keyof typeof RECIPES;
RECIPES satisfies { [R in RecipeId]: RecipeDef<R> };
export const RECIPE_IDS = Object.keys(RECIPES) as [RecipeId, ...RecipeId[]];
export const RECIPE_LIST = Object.values(RECIPES) as unknown as RecipeDef[];

export function isRecipe(r: string): r is RecipeId {
  return Object.hasOwn(RECIPES, r);
}
export type { RecipeDef, RecipeStep } from './recipe.js';
