// Packs the package as npm would publish it (`npm pack`, honouring "files") into
// <folder>/package.tgz: by default node_modules/.cache/spillway-pack/, the one
// tarball that `npm run check:package` hands to publint and attw; the e2e test
// (test/e2e/) passes a folder of its own as the first argument.
// Build dist/ first (`npx tsup`).
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const packDir = process.argv[2] ?? join('node_modules', '.cache', 'spillway-pack');
rmSync(join(packDir, 'package.tgz'), { force: true });
mkdirSync(packDir, { recursive: true });
const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', packDir], { encoding: 'utf8' }));
const [{ filename, files }] = packed;
renameSync(join(packDir, filename), join(packDir, 'package.tgz'));
console.log(`Packed ${files.length} files into ${join(packDir, 'package.tgz')}`);
