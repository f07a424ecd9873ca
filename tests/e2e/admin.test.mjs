// admin.test.mjs - browser tests of the admin page (run by run.mjs).
export const tests = [];
