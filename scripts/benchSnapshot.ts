// Runs `npm run bench` on the committed HEAD exported to a scratch folder, so that figures describe a commit
// even while the working tree is mid-edit. Usage: tsx scripts/benchSnapshot.ts [--scaling]
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-helper-snapshot-'));
try {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const archive = execFileSync('git', ['archive', 'HEAD', 'src', 'scripts', 'samples', 'package.json', 'tsconfig.json'], {
    cwd: root,
    maxBuffer: 512 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', tree], { input: archive });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(tree, 'node_modules'));
  const result = spawnSync(
    path.join(root, 'node_modules', '.bin', 'tsx'),
    [path.join(tree, 'scripts', 'bench.ts'), ...process.argv.slice(2)],
    {
      cwd: tree,
      stdio: 'inherit',
      env: { ...process.env, BENCH_SOURCE_COMMIT: commit },
    },
  );
  process.exitCode = result.status ?? 1;
} finally {
  fs.rmSync(tree, { recursive: true, force: true });
}
