// A user's project in a temporary folder, for test/docs.test.ts: `package.json` with
// `"type": "module"`, `node_modules/adjoint` a link to this checkout (so "adjoint/vite" & co
// resolve to the built package, dist/, as after `npm install <checkout>`), the files a
// documented block holds, and the tools run as a user runs them: each in its own Node process.
import { execFile } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";

export const root = resolve(__dirname, "..", "..");
const tmp = join(root, ".tmp", "docs");

export interface Project {
  readonly dir: string;
  /** Writes a file of the project (folders made as needed). */
  write(path: string, text: string): void;
  /** Runs `node ...args` in the project folder and returns what it printed; throws with stderr when it fails. */
  node(...args: string[]): Promise<string>;
  /** Runs a command-line tool of this checkout's node_modules (`vite/bin/vite.js build`) in the project folder. */
  tool(script: string, ...args: string[]): Promise<string>;
}

const run = promisify(execFile);

/** A fresh project folder `.tmp/docs/<name>` with `files` written into it. */
export function project(name: string, files: Record<string, string> = {}): Project {
  const dir = join(tmp, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(root, join(dir, "node_modules", "adjoint"), "dir");
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  write("package.json", `${JSON.stringify({ name, private: true, type: "module" }, null, 2)}\n`);
  for (const [path, text] of Object.entries(files)) write(path, text);
  const node = async (...args: string[]) => {
    try {
      const { stdout } = await run(process.execPath, args, { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", CI: "1" } });
      return stdout;
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`node ${args.join(" ")} in ${dir} failed:\n${stdout ?? ""}${stderr ?? ""}`);
    }
  };
  return { dir, write, node, tool: (script, ...args) => node(join(root, "node_modules", script), ...args) };
}

/**
 * A script that compiles TypeScript modules with the built `adjoint/compiler` (`transform`)
 * into `.js` beside them, for Node to run: `node compile.mjs a.ts b.ts`.
 */
export const COMPILE_SCRIPT = `import { readFileSync, writeFileSync } from "node:fs";
import { transform, formatDiagnostic } from "adjoint/compiler";
for (const file of process.argv.slice(2)) {
  const source = readFileSync(file, "utf8");
  const { code, diagnostics } = transform(source, { filename: file });
  if (diagnostics.length > 0) throw new Error(diagnostics.map((d) => formatDiagnostic(d, source)).join("\\n\\n"));
  writeFileSync(file.replace(/\\.ts$/, ".js"), code);
}
`;
