// tspc test projects: a folder with a tsconfig.json that loads adjoint/tspc, and the real
// `tspc` binary run on it in a child process (TypeScript 5.9, or 6.0 through ts-patch's
// TSP_COMPILER_TS_PATH), its plain output read back as diagnostics.
import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const root = resolve(__dirname, "..", "..");
export const tspcBin = join(root, "node_modules", "ts-patch", "bin", "tspc.js");

/** The TypeScript versions tspc drives: the installed one, and 6.0 through ts-patch's TSP_COMPILER_TS_PATH. */
export const versions: { name: string; major: string; env: Record<string, string> }[] = [
  { name: "TypeScript 5.9", major: "5.9", env: {} },
  { name: "TypeScript 6.0", major: "6.0", env: { TSP_COMPILER_TS_PATH: join(root, "node_modules", "typescript6") } },
];

/** tspc loads "adjoint/tspc" by name from the package's dist/, as a user's build does: build it. */
export function buildPackage(): void {
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: root });
}

/** A folder with a tsconfig.json and `node_modules/adjoint` linked to this checkout, as an installed project has. */
export function makeProject(dir: string, compilerOptions: object, include: string[], files: Record<string, string> = {}): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(root, join(dir, "node_modules", "adjoint"), "dir");
  const options = { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, types: [], ...compilerOptions };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { ...options, plugins: [{ transform: "adjoint/tspc" }] }, include }, null, 2));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

export function tspc(project: string, env: Record<string, string> = {}, ...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [tspcBin, "-p", project, "--pretty", "false", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ...env } });
}

export interface Reported {
  file: string;
  line: number;
  column: number;
  code: string;
  message: string;
}

/** `file(line,col): error TS990010: ADJ010: message` lines of tsc's plain output. */
export function reported(output: string): Reported[] {
  return [...output.matchAll(/^(.+?)\((\d+),(\d+)\): error TS99(\d{4}): (ADJ\d{3}): (.*)$/gm)].map((m) => ({
    file: m[1],
    line: Number(m[2]),
    column: Number(m[3]),
    code: m[5],
    message: m[6],
  }));
}

