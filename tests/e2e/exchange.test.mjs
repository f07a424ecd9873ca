// exchange.test.mjs - browser tests of the exchange page (run by run.mjs).
export const tests = [];
