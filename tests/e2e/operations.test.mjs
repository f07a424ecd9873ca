// operations.test.mjs - browser tests of the operations page (run by run.mjs).
export const tests = [];
