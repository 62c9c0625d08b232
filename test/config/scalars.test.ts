import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coerceScalar } from '../../src/config/scalars.ts';

describe('coerceScalar', () => {
  it('accepts exactly Go ParseBool set', () => {
    for (const text of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.deepEqual(coerceScalar('bool', text), { ok: true, value: true });
    for (const text of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.deepEqual(coerceScalar('bool', text), { ok: true, value: false });
  });

  it('rejects other booleans with SY_KEY_BAD_BOOL', () => {
    for (const text of ['yes', 'on', 'tRuE', ' true', '', 'constructor', 'toString']) {
      const coerced = coerceScalar('bool', text);
      assert.equal(coerced.ok, false, text);
      if (!coerced.ok) assert.equal(coerced.code, 'SY_KEY_BAD_BOOL');
    }
  });

  it('reads base-10 integers only', () => {
    assert.deepEqual(coerceScalar('int', '42'), { ok: true, value: 42 });
    assert.deepEqual(coerceScalar('int', '-7'), { ok: true, value: -7 });
    assert.deepEqual(coerceScalar('int', '+7'), { ok: true, value: 7 });
    for (const text of ['high', '1.5', '0x10', '1e3', '1_000', '', ' 1', '9007199254740993']) {
      const coerced = coerceScalar('int', text);
      assert.equal(coerced.ok, false, text);
      if (!coerced.ok) assert.equal(coerced.code, 'SY_KEY_BAD_INT');
    }
  });

  it('reads durations into milliseconds', () => {
    assert.deepEqual(coerceScalar('duration', '10'), { ok: true, value: 10_000 });
    const coerced = coerceScalar('duration', '10 minutes');
    assert.equal(coerced.ok, false);
    if (!coerced.ok) assert.equal(coerced.code, 'SY_KEY_BAD_DURATION');
  });

  it('keeps strings as written', () => {
    assert.deepEqual(coerceScalar('string', ' a, b '), { ok: true, value: ' a, b ' });
  });
});
