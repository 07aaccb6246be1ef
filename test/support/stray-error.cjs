// Preloaded into the built mtr (`node --require` this) by test/e2e/stray-errors.test.ts: a bug in
// a callback, on purpose. On SIGUSR2 (the test sends it once mtr is connecting, so its handlers
// and its debug log are set up) it throws from a callback (MTR_TEST_STRAY=throw) or rejects a
// promise nobody awaits (MTR_TEST_STRAY=reject).
'use strict';
const kind = process.env.MTR_TEST_STRAY;
process.on('SIGUSR2', () =>
  setImmediate(() => {
    const error = new TypeError('stray boom');
    if (kind === 'throw') throw error;
    void Promise.reject(error);
  }),
);
