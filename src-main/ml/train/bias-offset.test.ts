import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BIAS_OFFSET_GRID, bestBiasOffsets, errorsWithOffsets } from './bias-offset.js';

// Five images, three classes; the offset goes on class 2. By hand (a tie goes to the lower class):
//   A label 2, logits [2, 0, 0.6]: right once 0.6 + d > 2, d ≥ 1.5 on the grid
//   B label 2, [0, 3, 0.2]: right once d > 2.8, d ≥ 3
//   C label 0, [1, 0, −1]: wrong once −1 + d > 1, d ≥ 2.25
//   D label 1, [0, 2, 0]: wrong once d > 2, d ≥ 2.25
//   E label 0, [4, 0, 0]: wrong once d > 4, d ≥ 4.25
// errors: d < 1.5: 2 (A, B); 1.5–2: 1 (B); 2.25–2.75: 3 (B, C, D); 3–4: 2 (C, D); ≥ 4.25: 3. Best: 1.5.
const logits = Float32Array.from([2, 0, 0.6, 0, 3, 0.2, 1, 0, -1, 0, 2, 0, 4, 0, 0]);
const labels = [2, 2, 0, 1, 0];

test('the grid is 0 to 10 in steps of 0.25', () => {
  assert.equal(BIAS_OFFSET_GRID.length, 41);
  assert.deepEqual([BIAS_OFFSET_GRID[0], BIAS_OFFSET_GRID[1], BIAS_OFFSET_GRID.at(-1)], [0, 0.25, 10]);
});

test('the offset search picks the hand-computed offset (fewest errors, the smallest on a tie)', () => {
  assert.deepEqual([...bestBiasOffsets(logits, labels, 3, [2])], [[2, 1.5]]);
  const at = (d: number) => errorsWithOffsets(logits, labels, 3, new Map([[2, d]]), [2]);
  assert.deepEqual(at(0), { errors: 2, errorsAmong: 2, countAmong: 2 });
  assert.deepEqual(at(1.5), { errors: 1, errorsAmong: 1, countAmong: 2 });
  assert.deepEqual(at(2), { errors: 1, errorsAmong: 1, countAmong: 2 }, 'a tie at d = 2 goes to the lower class: C and D stay right');
  assert.deepEqual(at(3.5), { errors: 2, errorsAmong: 0, countAmong: 2 });
  assert.deepEqual(at(5), { errors: 3, errorsAmong: 0, countAmong: 2 });
  // An unsorted grid without 1.5–2: 0 and 3 both make 2 errors (2.5 makes 3); the tie goes to the smaller, 0.
  assert.deepEqual([...bestBiasOffsets(logits, labels, 3, [2], [3, 0, 2.5])], [[2, 0]]);
});
