// map.test.mjs - browser tests of the map page (run by run.mjs).
export const tests = [];
