import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENT_LABELS, STATUSES } from '../../../../src/modules/hotline/index.ts';
import { EVENT_EN, STATUS_EN } from './names-en.ts';

// The server names events and statuses in Chinese; the English screens need a name for each one.
test('every order event and status the server knows has an English name, and no name is left over', () => {
  assert.deepEqual(Object.keys(EVENT_EN).sort(), Object.keys(EVENT_LABELS).sort());
  assert.deepEqual(Object.keys(STATUS_EN).sort(), [...STATUSES].sort());
});
