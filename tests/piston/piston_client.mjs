// Runs the npm package piston-client, unchanged, against a polyrun master's HTTP API.
//   node piston_client.mjs <node_modules dir> <http://127.0.0.1:PORT>
// Prints one line per check ("ok ..." or "FAIL ...") and exits non-zero on any failure.
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const [modules, server] = process.argv.slice(2);
const { default: piston } = await import(pathToFileURL(path.join(modules, 'piston-client', 'index.js')).href);
const client = piston({ server });
let failures = 0;
const check = (ok, what, detail) => {
  console.log(`${ok ? 'ok' : 'FAIL'} ${what}${ok ? '' : ': ' + JSON.stringify(detail)}`);
  if (!ok) failures++;
};

const runtimes = await client.runtimes();
check(Array.isArray(runtimes), 'runtimes() is a list', runtimes);
const languages = Array.isArray(runtimes) ? runtimes.map((r) => r.language) : [];
check(languages.includes('python') && languages.includes('c++'), 'runtimes() offers python and c++', languages);

const py = await client.execute('python', 'print(42)');
check(py.run && py.run.stdout === '42\n', "execute('python', 'print(42)') prints 42", py);
console.log(`python says: ${py.run ? py.run.stdout.trim() : '(nothing)'}`);

// piston-client passes ["1", "2", "3"] as arguments unless told otherwise.
const cpp = await client.execute('c++', [
  '#include <iostream>',
  'int main(int argc, char** argv) {',
  '  std::cout << "c++ " << argc - 1 << " args, last " << argv[argc - 1] << std::endl;',
  '}',
].join('\n'));
check(cpp.compile && cpp.compile.code === 0, 'c++ compiles', cpp);
check(cpp.run && cpp.run.stdout === 'c++ 3 args, last 3\n', 'c++ runs with the default args', cpp);
console.log(`c++ says: ${cpp.run ? cpp.run.stdout.trim() : '(nothing)'}`);

const bad = await client.execute('python', 'raise SystemExit(7)');
check(bad.run && bad.run.code === 7 && bad.run.status === 'RE', 'a failing program: code 7, status RE', bad);

const unknown = await client.execute({ language: 'cobol', files: [{ content: 'x' }] });
check(typeof unknown.message === 'string' && unknown.message.includes('cobol'), 'unknown language: message', unknown);

process.exit(failures === 0 ? 0 : 1);
