import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paretoFront } from './pareto.js';

test('maximize accuracy, minimize bytes: hand-drawn front', () => {
  // (accuracy, bytes)
  const pts = [
    [0.99, 4000], // 0: best accuracy → front
    [0.98, 1000], // 1: front
    [0.97, 2000], // 2: dominated by 1
    [0.9, 500], // 3: smallest → front
    [0.9, 800], // 4: dominated by 3
  ];
  assert.deepEqual(paretoFront(pts, ['max', 'min']), [0, 1, 3]);
});

test('both axes maximized, and both minimized', () => {
  const pts = [
    [1, 5],
    [2, 4],
    [3, 3],
    [2, 2],
    [0, 6],
  ];
  // max/max: (2,2) is beaten by (3,3) and (2,4); the rest trade off.
  assert.deepEqual(paretoFront(pts, ['max', 'max']), [0, 1, 2, 4]);
  // min/min: (2,2) beats (2,4) and (3,3); nothing beats (1,5) (only (0,6) has a smaller x, with a larger y) nor (0,6) (smallest x).
  assert.deepEqual(paretoFront(pts, ['min', 'min']), [0, 3, 4]);
});

test('ties on one axis: the strictly better one on the other wins; duplicates are both on the front', () => {
  const pts = [
    [0.95, 100],
    [0.95, 200], // same accuracy, more bytes → dominated by 0
    [0.95, 100], // duplicate of 0 → neither dominates the other
    [0.96, 300],
  ];
  assert.deepEqual(paretoFront(pts, ['max', 'min']), [0, 2, 3]);
  // All equal: everyone is on the front.
  assert.deepEqual(paretoFront([[1, 1], [1, 1], [1, 1]], ['max', 'min']), [0, 1, 2]);
});

test('missing coordinates are left out and dominate nothing; one axis means the best value(s)', () => {
  assert.deepEqual(paretoFront([[null, 1], [0.5, 10], [NaN, 0], [0.4, 20]], ['max', 'min']), [1]);
  assert.deepEqual(paretoFront([[3], [1], [3], [2]], ['max']), [0, 2]);
  assert.deepEqual(paretoFront([], ['max']), []);
});
