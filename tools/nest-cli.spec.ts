import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONSOLE_APP } from '#libs/contracts';
import { APP_NAMES } from './lab';

/**
 * nest-cli.json (monorepo mode, SWC builder) must list exactly the apps/ and libs/ folders, and must
 * build into the layout the lab's own SWC build uses, where package.json's `#libs/*` resolve.
 */

interface NestProject {
  type: 'application' | 'library';
  root: string;
  sourceRoot: string;
  entryFile: string;
}

interface NestCliConfig {
  monorepo: boolean;
  root: string;
  sourceRoot: string;
  exec: string;
  compilerOptions: {
    builder: {
      type: string;
      options: {
        swcrcPath: string;
        filenames: string[];
        outDir: string;
        stripLeadingPaths: boolean;
        copyFiles: boolean;
        ignore: string[];
      };
    };
    deleteOutDir?: boolean;
  };
  projects: Record<string, NestProject>;
}

const ROOT = resolve(__dirname, '..');
const config = JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8')) as NestCliConfig;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  imports: Record<string, { default: string }>;
  scripts: Record<string, string>;
};

function folders(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function projectsOfType(type: NestProject['type']): string[] {
  return Object.entries(config.projects)
    .filter(([, project]) => project.type === type)
    .map(([name]) => name)
    .sort();
}

describe('nest-cli.json', () => {
  it('lists every apps/ folder as an application and every libs/ folder as a library, nothing else', () => {
    expect(config.monorepo).toBe(true);
    expect(projectsOfType('application')).toEqual(folders('apps'));
    expect(projectsOfType('library')).toEqual(folders('libs'));
    expect(Object.keys(config.projects).sort()).toEqual([...folders('apps'), ...folders('libs')].sort());
    // The services the lab runs, and the lab console (a lab tool, not in SERVICES: ADR 0100).
    expect(projectsOfType('application')).toEqual([...APP_NAMES, CONSOLE_APP.name].sort());
  });

  it('points each project at its own folder and an entry file that exists (main.ts, index.ts)', () => {
    for (const [name, project] of Object.entries(config.projects)) {
      const dir = project.type === 'application' ? 'apps' : 'libs';
      expect(project).toEqual({
        type: project.type,
        root: `${dir}/${name}`,
        sourceRoot: `${dir}/${name}/src`,
        entryFile: project.type === 'application' ? 'main' : 'index',
      });
      expect(existsSync(join(ROOT, project.sourceRoot, `${project.entryFile}.ts`))).toBe(true);
    }
    expect(config.projects[config.root.replace(/^apps\//, '')]?.sourceRoot).toBe(config.sourceRoot);
  });

  it("builds with SWC into the lab build's layout, where #libs/* resolve, and never deletes dist/", () => {
    const { builder, deleteOutDir } = config.compilerOptions;
    expect(builder.type).toBe('swc');
    expect(builder.options.swcrcPath).toBe('.swcrc');
    // The SWC builder compiles these for every project (it ignores a project's sourceRoot).
    expect(builder.options.filenames).toEqual(['apps', 'libs']);
    // dist/<path as in the repo>: dist/apps/<app>/src/main.js, dist/libs/<lib>/src/index.js.
    expect(builder.options.stripLeadingPaths).toBe(false);
    expect(pkg.imports['#libs/*']?.default).toBe(`./${builder.options.outDir}/libs/*/src/index.js`);
    // dist/ also holds tools/, load-tests/ and the bootstrap's build stamp.
    expect(deleteOutDir).not.toBe(true);
    // Same inputs as the `build` script.
    expect(builder.options.copyFiles).toBe(pkg.scripts.build?.includes('--copy-files'));
    const scriptIgnores = [...(pkg.scripts.build ?? '').matchAll(/--ignore '([^']+)'/g)].map((m) => m[1]);
    expect(builder.options.ignore).toEqual(scriptIgnores);
  });

  it('starts apps with the preload the lab uses', () => {
    expect(config.exec).toMatch(/^node .*--require \.\/dist\/libs\/observability\/src\/preload\.js$/);
    expect(existsSync(join(ROOT, 'libs/observability/src/preload.ts'))).toBe(true);
  });
});
