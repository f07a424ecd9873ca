// incidents.test.mjs - browser tests of the incidents page (run by run.mjs).
export const tests = [];
