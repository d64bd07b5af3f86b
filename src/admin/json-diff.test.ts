import { describe, expect, it } from 'vitest';
import { jsonDiff } from './json-diff.js';

describe('jsonDiff', () => {
  it('names every change by path', () => {
    const from = { policy_name: 'p', rules: [{ type: 'a', models: ['x', 'y'] }, { type: 'b' }] };
    const to = { policy_name: 'p', mode: 'monitor', rules: [{ type: 'a', models: ['x', 'z', 'w'] }] };
    expect(jsonDiff(from, to)).toEqual([
      { path: 'rules[0].models[1]', op: 'changed', from: 'y', to: 'z' },
      { path: 'rules[0].models[2]', op: 'added', to: 'w' },
      { path: 'rules[1]', op: 'removed', from: { type: 'b' } },
      { path: 'mode', op: 'added', to: 'monitor' },
    ]);
    expect(jsonDiff(from, from)).toEqual([]);
    expect(jsonDiff(null, to)).toEqual([{ path: '', op: 'changed', from: null, to }]);
  });
});
