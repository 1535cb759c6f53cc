// Everyday JavaScript idioms through the Babel plugin (a `.js` file): each gradient (and jvp
// where it says so) against central differences (h = 1e-6, relative 1e-6); the idioms adjoint
// refuses give a located diagnostic saying why (helpers/everyday-idioms.ts).
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { checkProgram } from "./helpers/everyday.js";
import { IDIOMS, REFUSED } from "./helpers/everyday-idioms.js";

describe("everyday JavaScript idioms", () => {
  for (const [name, program] of Object.entries(IDIOMS)) {
    it(`${name}: grad${program.jvp ? " and jvp" : ""} against central differences`, () => checkProgram(name, program));
  }
  for (const [name, { source, message }] of Object.entries(REFUSED)) {
    it(`${name}: refused, located`, () => {
      const { diagnostics } = transform(`import { grad } from "adjoint";\n${source}\nexport const g = grad(f);\n`, { filename: `everyday-${name}.js` });
      expect(diagnostics.length).toBeGreaterThan(0);
      expect(diagnostics.map((d) => d.message).join("\n")).toMatch(message);
      for (const d of diagnostics) expect(d.line, d.message).toBeGreaterThan(1);
    });
  }
});
