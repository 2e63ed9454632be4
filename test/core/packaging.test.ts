// Every public package is publishable as users will install it: an exports map with types and the built entry,
// a README, the built files in `files`, `@cubebridge/core` as a peer (never a second copy) for every package
// whose sources import it, and a changeset mechanism that knows it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const packageDirs = [
  'core',
  ...['adapters', 'plugins'].flatMap((group) =>
    readdirSync(join(root, group)).map((name) => join(group, name)),
  ),
].filter((dir) => existsSync(join(root, dir, 'package.json')));

interface Manifest {
  name: string;
  private?: boolean;
  type?: string;
  exports?: Record<string, unknown>;
  files?: string[];
  peerDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  engines?: { node?: string };
}

/** Whether any source file under `dir` imports `@cubebridge/core` (a codec library, for one, does not). */
function importsCore(dir: string): boolean {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).some(
    (file) =>
      file.endsWith('.ts') && readFileSync(join(dir, file), 'utf8').includes("from '@cubebridge/core"),
  );
}

describe('publishable packages', () => {
  for (const dir of packageDirs) {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Manifest;
    it(`${manifest.name} (${dir})`, () => {
      expect(manifest.name).toMatch(/^@cubebridge\//);
      expect(manifest.private).not.toBe(true);
      expect(manifest.type).toBe('module');
      expect(manifest.engines?.node).toBe('>=22');
      expect(manifest.exports?.['.']).toMatchObject({
        '@cubebridge/source': './src/index.ts',
        types: './dist/index.d.ts',
        default: './dist/index.js',
      });
      expect(manifest.files).toContain('dist');
      expect(existsSync(join(root, dir, 'README.md'))).toBe(true);
      expect(existsSync(join(root, dir, 'tsconfig.build.json'))).toBe(true);
      expect(manifest.dependencies?.['@cubebridge/core']).toBeUndefined();
      if (manifest.name !== '@cubebridge/core' && importsCore(join(root, dir, 'src')))
        expect(manifest.peerDependencies?.['@cubebridge/core']).toBeDefined();
    });
  }
});
