// Random scalar programs f(x, y) of the differentiable subset, for the property tests
// (test/property.test.ts describes what they contain), built from a sequence of choices that
// fast-check shrinks towards a shorter, simpler program.
import fc from "fast-check";

/** Points where |f| is larger are skipped: ε |f| / h would exceed the tolerance. */
export const MAX_VALUE = 1e4;
/**
 * Points where a variable grows larger are skipped: its adjoint can overflow to Infinity
 * even where f is finite (y += y ** 2 twelve times), and 0 * Infinity is NaN.
 */
const MAX_INTERMEDIATE = 1e8;

/** Reads choices in order; past the end every choice is 0, the simplest option. */
class Choices {
  private next = 0;
  constructor(private readonly values: readonly number[]) {}

  pick(count: number): number {
    const value = this.values[this.next++] ?? 0;
    return value % count;
  }

  /** true with probability about `percent` / 100. */
  chance(percent: number): boolean {
    return this.pick(100) >= 100 - percent;
  }
}

const CONSTANTS = ["0.5", "1", "2", "(-1.5)", "0.25", "3", "(-0.75)"];
const COMPARISONS = ["<", ">", "<=", ">="];

/** Which loop a statement is in: `break`/`continue` only inside one. */
type Loop = "none" | "for" | "while";

/** Builds the source of `f(x, y)` and the helpers it calls; names are fresh, so there is no shadowing. */
class ProgramBuilder {
  private temps = 0;
  private loops = 0;
  /** Helpers the function being built may call. */
  private callable: string[] = [];

  constructor(private readonly choices: Choices) {}

  program(): string {
    const helpers: string[] = [];
    const count = this.choices.pick(3);
    for (let k = 0; k < count; k++) {
      helpers.push(this.function(`g${k}`, [`a${k}`, `b${k}`], helpers.map((_, j) => `g${j}`)));
    }
    return [...helpers, this.function("f", ["x", "y"], helpers.map((_, j) => `g${j}`))].join("\n\n");
  }

  private function(name: string, params: string[], callable: string[]): string {
    this.callable = callable;
    const env = [...params];
    const body: string[] = [];
    const count = 1 + this.choices.pick(6);
    for (let k = 0; k < count; k++) body.push(...this.statement(env, 0, "none"));
    // The result reads the last temporaries, so most of the body reaches it.
    const result = [this.expr(env, 3), ...env.filter((v) => v.startsWith("t")).slice(-2)].join(" + ");
    const signature = `function ${name}(${params.map((p) => `${p}: number`).join(", ")}): number {`;
    return [signature, ...indent(body), `  return ${result};`, "}"].join("\n");
  }

  /** `count` statements; declarations extend `env` for the statements after them. */
  private block(outer: string[], depth: number, count: number, loop: Loop): string[] {
    const env = [...outer];
    const lines: string[] = [];
    for (let k = 0; k < count; k++) lines.push(...this.statement(env, depth, loop));
    return lines;
  }

  private statement(env: string[], depth: number, loop: Loop): string[] {
    const nested = depth < 2;
    switch (this.choices.pick(nested ? 10 : 4)) {
      case 0: {
        const name = `t${this.temps++}`;
        const line = `let ${name} = ${this.expr(env, 2)};`;
        env.push(name);
        return [line];
      }
      case 1:
      case 2:
        return this.assignment(env, loop);
      case 3:
        // Parameters and temporaries alike; ++/-- now and then.
        if (this.choices.chance(30)) return [`${env[this.choices.pick(env.length)]}${this.choices.chance(50) ? "++" : "--"};`];
        return [`if (${this.condition(env)}) return ${this.expr(env, 2)};`];
      case 4:
      case 5: {
        const then = this.block(env, depth + 1, 1 + this.choices.pick(3), loop);
        const otherwise = this.choices.chance(70) ? this.block(env, depth + 1, 1 + this.choices.pick(3), loop) : [];
        const head = `if (${this.condition(env)}) {`;
        if (otherwise.length === 0) return [head, ...indent(then), "}"];
        return [head, ...indent(then), "} else {", ...indent(otherwise), "}"];
      }
      case 6:
      case 7:
      case 8:
        return this.loop(env, depth, "for");
      default:
        return this.loop(env, depth, "while");
    }
  }

  private assignment(env: string[], loop: Loop): string[] {
    const target = env[this.choices.pick(env.length)];
    const line = `${target} ${this.compound(env)};`;
    if (loop !== "none" && this.choices.chance(15)) {
      // `continue` in a while loop is safe: its counter moves first.
      return [`if (${this.condition(env)}) ${this.choices.chance(50) ? "break" : "continue"};`, line];
    }
    return [line];
  }

  /**
   * The operator and right-hand side of an assignment. A `*=` factor is bounded by 1:
   * repeated in nested loops, an unbounded one overflows (y *= y twelve times is
   * Infinity), and then finite differences are no reference.
   */
  private compound(env: string[]): string {
    const op = ["=", "+=", "-=", "*="][this.choices.pick(4)];
    if (op === "*=") return `*= ${["Math.tanh", "Math.sin", "Math.cos"][this.choices.pick(3)]}(${this.expr(env, 2)})`;
    return `${op} ${this.expr(env, 2)}`;
  }

  /** A loop with a constant trip count, accumulating into a temporary declared before it. */
  private loop(env: string[], depth: number, kind: "for" | "while"): string[] {
    const counter = `i${this.loops++}`;
    const trips = 1 + this.choices.pick(4);
    const acc = `t${this.temps++}`;
    const init = `let ${acc} = ${this.expr(env, 1)};`;
    const inner = [...env, acc];
    const body = this.block(inner, depth + 1, this.choices.pick(3), kind);
    const update = `${acc} ${this.compound([...inner, counter])};`;
    const steps = [...body, update, `${acc} = ${acc} * 0.5;`];
    env.push(acc);
    if (kind === "for") return [init, `for (let ${counter} = 0; ${counter} < ${trips}; ${counter}++) {`, ...indent(steps), "}"];
    return [init, `let ${counter} = 0;`, `while (${counter} < ${trips}) {`, ...indent([`${counter}++;`, ...steps]), "}"];
  }

  private condition(env: string[]): string {
    const comparison = () => `${this.expr(env, 1)} ${COMPARISONS[this.choices.pick(COMPARISONS.length)]} ${this.expr(env, 1)}`;
    if (this.choices.chance(15)) return `(${comparison()} ${this.choices.chance(50) ? "&&" : "||"} ${comparison()})`;
    return comparison();
  }

  private expr(env: string[], depth: number): string {
    if (depth === 0 || this.choices.pick(4) === 0) return this.leaf(env);
    const a = () => this.expr(env, depth - 1);
    switch (this.choices.pick(19)) {
      case 0:
        return `(${a()} + ${a()})`;
      case 1:
        return `(${a()} - ${a()})`;
      case 2:
      case 3:
        return `(${a()} * ${a()})`;
      case 4: {
        const numerator = a();
        const b = a();
        return `(${numerator} / (1 + ${b} * ${b}))`;
      }
      case 5:
        return `(-${a()})`;
      case 6:
        return `Math.sin(${a()})`;
      case 7:
        return `Math.cos(${a()})`;
      case 8:
        return `Math.exp(Math.sin(${a()}))`;
      case 9:
        return `Math.tanh(${a()})`;
      case 10: {
        const b = a();
        return this.choices.chance(50) ? `Math.sqrt(1 + ${b} * ${b})` : `Math.log(1 + ${b} * ${b})`;
      }
      case 11:
      case 12:
        return `(${this.condition(env)} ? ${a()} : ${a()})`;
      case 13:
        return `Math.abs(${a()})`;
      case 14:
        return `Math.${this.choices.chance(50) ? "max" : "min"}(${a()}, ${a()})`;
      case 15:
        return this.choices.chance(50) ? `(${a()} ** 2)` : `(Math.tanh(${a()}) ** 3)`;
      case 16:
      case 17:
        if (this.callable.length > 0) return `${this.callable[this.choices.pick(this.callable.length)]}(${a()}, ${a()})`;
        return this.leaf(env);
      default:
        return this.leaf(env);
    }
  }

  private leaf(env: string[]): string {
    if (this.choices.chance(25)) return CONSTANTS[this.choices.pick(CONSTANTS.length)];
    return env[this.choices.pick(env.length)];
  }
}

function indent(lines: string[]): string[] {
  return lines.map((line) => `  ${line}`);
}

function buildProgram(choices: readonly number[]): string {
  return new ProgramBuilder(new Choices(choices)).program();
}

/** The program as plain JavaScript: the only type annotations are on signatures. */
export function evaluate(source: string): (x: number, y: number) => number {
  const js = source.replace(/: number/g, "");
  return new Function(`${js}\nreturn f;`)() as (x: number, y: number) => number;
}

/** Whether every value f assigns at this point stays within MAX_INTERMEDIATE. */
export function staysBounded(source: string, point: readonly number[]): boolean {
  const exceeded = new Error("exceeded");
  const bound = (value: number) => {
    if (!(Math.abs(value) <= MAX_INTERMEDIATE)) throw exceeded;
  };
  // Every assignment is a line of its own: `let t = …;`, `t op= …;`.
  const checked = source
    .replace(/: number/g, "")
    .replace(/^(\s*)(?:let )?(\w+) (?:=|\+=|-=|\*=) .*;$/gm, (line, _indent, name) => `${line} __bound(${name});`);
  const f = new Function("__bound", `${checked}\nreturn f;`)(bound) as (...args: number[]) => number;
  try {
    f(...point);
    return true;
  } catch (error) {
    if (error === exceeded) return false;
    throw error;
  }
}

// Unbiased: fast-check's bias towards small values would make most choices 0 (the
// simplest option) and most programs trivial; shrinking still goes towards 0 and short.
export const programArbitrary = fc.noBias(fc.array(fc.nat({ max: 9_999 }), { minLength: 120, maxLength: 400, size: "max" })).map(buildProgram);
// Uniform on a 1e-6 grid in [-2, 2]: fc.double favours 0, tiny and equal values, which
// sit exactly on the kinks of min-like branches (x <= y ? x : y) where no finite
// difference is a reference.
const coordinate = fc.noBias(fc.integer({ min: -2_000_000, max: 2_000_000 })).map((n) => n / 1_000_000);
export const pointsArbitrary = fc.array(fc.tuple(coordinate, coordinate), { minLength: 3, maxLength: 3 });
