// Each package's own `pnpm test` runs that package's tests from its folder (`pnpm --filter <pkg> test`,
// `cd core && pnpm test`): its script names its vitest project, and the workspace's vitest config, loaded from
// the package's folder, lists that project.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const packageDirs = [
  'core',
  ...['adapters', 'plugins'].flatMap((group) =>
    readdirSync(join(root, group)).map((name) => join(group, name)),
  ),
].filter((dir) => existsSync(join(root, dir, 'package.json')) && existsSync(join(root, dir, 'test')));

/** The vitest project names the workspace config defines when it is loaded with `cwd` as current directory. */
function projectsSeenFrom(cwd: string): string[] {
  const script = `const config = (await import(${JSON.stringify(pathToFileURL(join(root, 'vitest.config.ts')).href)})).default;
process.stdout.write(JSON.stringify(config.test.projects.map((project) => project.test.name)));`;
  const output = execFileSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
    cwd,
    encoding: 'utf8',
  });
  return JSON.parse(output) as string[];
}

describe("each package's own test script", () => {
  it('the root sees every package and the cross-package tests (`pnpm test` runs all)', () => {
    const names = packageDirs.map(
      (dir) => (JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name: string }).name,
    );
    expect(projectsSeenFrom(root)).toEqual(expect.arrayContaining([...names, '@cubebridge/test']));
  });

  for (const dir of packageDirs) {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
      name: string;
      scripts?: Record<string, string>;
    };
    it(`${manifest.name} (${dir}) runs its own project from its folder`, () => {
      const scriptsDir = relative(join(root, dir), join(root, 'scripts'));
      expect(manifest.scripts?.test).toBe(`bash ${scriptsDir}/test.sh --project ${manifest.name}`);
      expect(projectsSeenFrom(join(root, dir))).toContain(manifest.name);
    });
  }
});
