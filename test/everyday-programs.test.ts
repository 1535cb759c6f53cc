// Everyday untyped JavaScript through the Babel plugin (a `.js` file): each program's
// gradient (and its jvp where it says so) against central differences (h = 1e-6, relative
// 1e-6) at its points, the arguments left as they were. Programs: helpers/everyday-programs.ts,
// helpers/everyday-more.ts.
import { describe, it } from "vitest";
import { checkProgram } from "./helpers/everyday.js";
import { LEARNING, PHYSICS, STATISTICS } from "./helpers/everyday-programs.js";
import { ARRAYS, CONFIGURED, CONTROL, FORMULAS } from "./helpers/everyday-more.js";

const GROUPS = { statistics: STATISTICS, physics: PHYSICS, learning: LEARNING, configuration: CONFIGURED, arrays: ARRAYS, formulas: FORMULAS, control: CONTROL };

for (const [group, programs] of Object.entries(GROUPS)) {
  describe(`everyday JavaScript: ${group}`, () => {
    for (const [name, program] of Object.entries(programs)) {
      it(`${name}: grad${program.jvp ? " and jvp" : ""} against central differences`, () => checkProgram(name, program));
    }
  });
}
