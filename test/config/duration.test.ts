import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from '../../src/config/duration.ts';

describe('parseDuration', () => {
  const cases: Array<[text: string, milliseconds: number | undefined]> = [
    ['10', 10_000],
    ['0', 0],
    ['-1', -1_000],
    ['+5', 5_000],
    ['100ms', 100],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['300us', 0.3],
    ['300\u00b5s', 0.3],
    ['300\u03bcs', 0.3],
    ['1500000ns', 1.5],
    ['1.1s', 1_100],
    ['.5s', 500],
    ['1.s', 1_000],
    ['-1.5s', -1_500],
    ['-0', 0],
    ['2h45m', 9_900_000],
    ['', undefined],
    ['1.5', undefined],
    ['10 s', undefined],
    ['1d', undefined],
    ['1h30', undefined],
    ['s', undefined],
    ['.s', undefined],
    ['ten', undefined],
  ];
  for (const [text, milliseconds] of cases) {
    it(`${JSON.stringify(text)} → ${milliseconds}`, () => {
      assert.equal(parseDuration(text), milliseconds);
    });
  }
});
