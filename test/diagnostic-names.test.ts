// Diagnostics name only the user's code: every identifier a message quotes (or one that
// looks generated: `$`, fTarget2, t3, record0, lambda1) must occur in the module's source.
// Run over the error fixtures and over generated bad inputs covering every code, in each
// place a function can be: module function, inline arrow, local function, callee, record block.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { catalogue, transform, type Diagnostic } from "../compiler/index.js";

const root = resolve(__dirname, "..");

/** The words of a message that must be the user's: quoted ones, and any that look generated. */
export function namesIn(message: string): string[] {
  const words = new Set<string>();
  for (const m of message.matchAll(/`([^`]*)`|'([^']*)'|"([^"]*)"/g)) {
    for (const [word] of (m[1] ?? m[2] ?? m[3]).matchAll(/[A-Za-z_$][\w$]*/g)) words.add(word);
  }
  for (const [word] of message.matchAll(/[A-Za-z_$][\w$]*/g)) {
    if (word.includes("$") || /Target\d*$|^t\d+$|^record\d+$|^lambda\d+/.test(word)) words.add(word);
  }
  return [...words];
}

function foreignNames(d: Diagnostic, source: string): string[] {
  const sourceWords = new Set(source.match(/[A-Za-z_$][\w$]*/g) ?? []);
  // The catalogue's own text (`wrt`, `this`, np.where in a hint) is adjoint's vocabulary, not a leak.
  const catalogueWords = new Set(catalogue[d.code].message.match(/[A-Za-z_$][\w$]*/g) ?? []);
  return namesIn(d.message).filter((w) => !sourceWords.has(w) && !catalogueWords.has(w));
}

const prelude = `import { autograd, checkpoint, grad, vjp } from "adjoint";
import * as np from "adjoint/np";
declare function unknownFn(v: number): number;
let outerVar = 0;
const outerArr = [1, 2];
function pick(a: number[], k: number): number[] {
  if (k > 0) return a;
  return [k];
}
`;

/** Bodies of a function of `x: number`, each refused with the code beside it. */
const bodies: Record<string, string> = {
  ADJ001: "try { return x; } catch { return 0; }",
  ADJ004: "return (this as any).k * x;",
  ADJ005: 'return x * eval("2");',
  ADJ006: "return (arguments as any)[0] * x;",
  ADJ007: "const g = (u: number): number => (u > 9 ? u : g(u * x)); return g(x);",
  ADJ008: "const { ...rest } = { a: x } as any; return rest.a * x;",
  ADJ009: "outerVar = x; return x;",
  ADJ010: "return unknownFn(x);",
  ADJ011: "return x.valueOf();",
  ADJ012: "return (x as any).foo;",
  ADJ013: "for (const k in outerArr) x += 1; return x;",
  ADJ014: "const rows = [[x]]; rows[0][0] = x; return rows[0][0];",
  ADJ015: "debugger; return x;",
  ADJ016: "return { v: x }.v;",
  ADJ019: "return Math.sin(...[x]);",
  ADJ021: "return +new Number(x) * x;",
  ADJ022: "return (Math as any).foo(x);",
  ADJ024: "const arr = [x]; const r = pick(arr, x); return r[0];",
  ADJ026: "let r: any = x * 2; if (x > 0) r = new Float64Array(2); return r[0] * x;",
  ADJ027: "const r = [x]; return r[0] * (r as any);",
  ADJ028: "const rec = { v: x }; const list = [rec]; return rec.v * list.length;",
  ADJ030: "checkpoint(() => { for (let i = 0; i < 3; i++) x = x * Math.random(); }); return x;",
};

/** Each body in every place a differentiated function can be; `MARK` is the marker call's options. */
const places: Record<string, (body: string, options: string) => string> = {
  module: (body, options) => `function f(x: number, s: string): number { ${body} }\nexport const d = grad(f${options});\n`,
  inline: (body, options) => `export const bad2 = grad((x: number, s: string) => { ${body} }${options});\n`,
  local: (body, options) => `export function outer(k: number) {\n  function f(x: number, s: string): number { ${body} }\n  return grad(f${options});\n}\n`,
  callee: (body) => `function helper(x: number): number { ${body} }\nexport const d = vjp((x: number) => helper(x) * x);\n`,
  namedExpression: (body, options) => `export const d = grad(function sq(x: number, s: string): number { ${body} }${options});\n`,
};

/** Problems at the marker call itself, by code: its options. */
const siteProblems: Record<string, string> = { ADJ017: ", { wrt: 5 }", ADJ020: ", { wrt: 1 }", ADJ023: ", someOptions" };

const recordBodies: Record<string, string> = {
  ADJ025: "model.w.fill(0);\n  y = np.mul(model.w, model.w);",
  ADJ001: "try {\n    y = np.mul(model.w, model.w);\n  } catch {}",
  ADJ016: "y = np.mul(model.w, model.w);\n  y.attachGrad();\n  autograd.record(() => { y = np.sin(model.w); });",
  ADJ011: "y = np.mul(model.w, model.w).foo();",
  ADJ010: "y = np.mul(model.w, unknownFn(model.w as any) as any);",
};
const recordModule = (body: string) =>
  `const model = { w: np.array([1, 2, 3]) };\nmodel.w.attachGrad();\nlet y!: np.NDArray;\nautograd.record(() => {\n  ${body}\n});\n`;

const generated: { name: string; source: string; code?: string }[] = [
  ...Object.entries(bodies).flatMap(([code, body]) => Object.entries(places).map(([place, wrap]) => ({ name: `${code} in ${place}`, code, source: prelude + wrap(body, "") }))),
  ...Object.entries(siteProblems).flatMap(([code, options]) =>
    Object.entries(places).filter(([place]) => place !== "callee").map(([place, wrap]) => ({ name: `${code} at ${place}`, code, source: prelude + wrap("return x;", options) })),
  ),
  { name: "ADJ002 async", code: "ADJ002", source: prelude + "export const d = grad(async (x: number) => x);\n" },
  { name: "ADJ003 generator", code: "ADJ003", source: prelude + "export const d = grad(function* g(x: number) { yield x; });\n" },
  { name: "ADJ018 not a function", code: "ADJ018", source: prelude + "export const d = grad(outerVar as any);\n" },
  { name: "ADJ020 local", code: "ADJ020", source: prelude + "export function outer() {\n  const h = (s: string, x: number) => x;\n  return grad(h);\n}\n" },
  ...Object.entries(recordBodies).map(([code, body]) => ({ name: `${code} in a record block`, code, source: prelude + recordModule(body) })),
];

const fixtures = readdirSync(join(root, "fixtures"))
  .filter((name) => name.startsWith("error-"))
  .map((name) => ({ name: `fixtures/${name}`, source: readFileSync(join(root, "fixtures", name, "input.ts"), "utf8") }));

describe("diagnostics name only the user's identifiers", () => {
  const seen = new Set<string>();
  for (const { name, source, code } of [...fixtures, ...generated] as { name: string; source: string; code?: string }[]) {
    it(name, () => {
      const { diagnostics } = transform(source, { filename: "input.ts", sourceMaps: false });
      expect(diagnostics.length, "the input is refused").toBeGreaterThan(0);
      if (code) expect(diagnostics.map((d) => d.code)).toContain(code);
      for (const d of diagnostics) {
        seen.add(d.code);
        expect(foreignNames(d, source), `${d.code}: ${d.message}`).toEqual([]);
      }
    });
  }

  it("the inputs cover every code (but ADJ000, an internal error no input should reach)", () => {
    const missing = Object.keys(catalogue).filter((code) => code !== "ADJ000" && !seen.has(code));
    expect(missing).toEqual([]);
  });

  it("the check catches a generated name", () => {
    const source = "grad((x: number, y: number) => x * y, { wrt: 2 })";
    const leak = { code: "ADJ017", message: "`wrt` does not name a parameter of the function: 2 (bad2Target has 2 parameters)" } as Diagnostic;
    expect(foreignNames(leak, source)).toEqual(["bad2Target"]);
    expect(namesIn("'x$vjp' and t3 and record0 and lambda1 and fTarget2")).toEqual(["x$vjp", "t3", "record0", "lambda1", "fTarget2"]);
  });
});
