// Parses every *.asyncapi.yml / .yaml / .json under specs/asyncapi with the official AsyncAPI
// parser (which also runs its built-in Spectral rules) and prints every diagnostic.
// Exits 1 when any document has an error diagnostic or cannot be parsed, 0 otherwise.
import { readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiagnosticSeverity, Parser, fromFile } from '@asyncapi/parser';

const here = dirname(fileURLToPath(import.meta.url));
// Kept outside specs/ so that the root build.rs, which watches specs/, never walks node_modules.
const repo = resolve(here, '..', '..');
const root = join(repo, 'specs', 'asyncapi');
const SUFFIXES = ['.asyncapi.yml', '.asyncapi.yaml', '.asyncapi.json'];
const SEVERITY = {
  [DiagnosticSeverity.Error]: 'error',
  [DiagnosticSeverity.Warning]: 'warning',
  [DiagnosticSeverity.Information]: 'info',
  [DiagnosticSeverity.Hint]: 'hint',
};

async function collect(dir, out) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // This package's own node_modules holds other projects' documents.
    if (entry.isDirectory() && entry.name !== 'node_modules') {
      await collect(path, out);
    } else if (entry.isFile() && SUFFIXES.some((s) => entry.name.endsWith(s))) {
      out.push(path);
    }
  }
  return out;
}

const documents = (await collect(root, [])).sort();
if (documents.length === 0) {
  console.error(`no AsyncAPI documents under ${relative(repo, root)}`);
  process.exit(1);
}

const parser = new Parser();
let failed = false;
for (const path of documents) {
  const shown = relative(repo, path);
  const { document, diagnostics } = await fromFile(parser, path).parse();
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
  for (const d of diagnostics) {
    const line = d.range ? `:${d.range.start.line + 1}:${d.range.start.character + 1}` : '';
    const at = d.path && d.path.length ? ` (at ${d.path.join('.')})` : '';
    console.log(`${shown}${line}: ${SEVERITY[d.severity] ?? d.severity}: ${d.code}: ${d.message}${at}`);
  }
  if (document === undefined || errors.length > 0) {
    failed = true;
    console.log(`${shown}: FAILED (${errors.length} error(s))`);
  } else {
    console.log(`${shown}: ok, AsyncAPI ${document.version()}, ${document.operations().length} operations`);
  }
}
process.exit(failed ? 1 : 0);
