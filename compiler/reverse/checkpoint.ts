// A checkpointed loop (binomial checkpointing, runtime/checkpoint.ts). The forward sweep keeps
// the loop's state at its start and runs it with each step's pushes going onto a tape that is
// cleared after the step; the reverse sweep follows revolve's schedule: restore a snapshot, run
// steps forward, save snapshots, and run the last step onto the tape and reverse it.
import { identifiersIn, line, loopBlock, type Code } from "../emit/index.js";
import type { Loop } from "../ir/index.js";
import { code } from "./code.js";
import type { Reverser } from "./reverser.js";

/** What the forward sweep of a checkpointed loop made, for its reverse sweep to run again. */
export interface CheckpointedLoop {
  checkpoints: string;
  tape: string;
  pre: Code[];
  body: Code[];
}

/** Whether `s` is compiled checkpointed (in plain code, for a derivative differentiated again, it is not). */
export function isCheckpointed(r: Reverser, s: Loop): boolean {
  return r.a.checkpoints.has(s) && !r.options.plainStack;
}

/** Runs `generate` with the pushes and pops of the loop's steps on its tape. */
export function onTape<T>(r: Reverser, tape: string, generate: () => T): T {
  const stack = r.stack;
  r.stack = tape;
  try {
    return generate();
  } finally {
    r.stack = stack;
  }
}

/** The forward sweep: the state at the start saved, then the loop, its tape cleared after each step. */
export function checkpointedForward(r: Reverser, s: Loop, sweep: (stmts: Loop["pre"], then?: Loop["cond"]) => Code[]): Code[] {
  const rt = r.options.runtime;
  const checkpoints = r.fresh("checkpoints");
  const tape = r.fresh("tape");
  const trips = r.fresh("trips");
  r.tripCounters.set(s, trips);
  r.forwardLocals.push(checkpoints, trips);
  const [pre, body] = onTape(r, tape, () => [sweep(s.pre, s.cond), sweep(s.body)]);
  const taped = identifiersIn([...pre, ...body]).has(tape);
  if (taped) r.forwardLocals.push(tape);
  r.checkpointed.set(s, { checkpoints, tape: taped ? tape : "", pre, body });
  const snapshots = s.checkpoint!.snapshots;
  return [
    { kind: "comment", text: `checkpointed: ${snapshots === undefined ? "√n snapshots" : `at most ${snapshots} snapshot${snapshots === 1 ? "" : "s"}`} of the loop's state, not every step's values` },
    line(`${checkpoints} = new ${rt}.Checkpoints(${snapshots ?? ""});`, s.loc),
    ...(taped ? [line(`${tape} = ${checkpoints}.tape;`, s.loc)] : []),
    line(`${checkpoints}.save(${saved(r, s)});`, s.loc),
    line(`${trips} = 0;`, s.loc),
    loopBlock(pre, code(r, s.cond), [...body, line(`${trips}++;`), ...(taped ? [line(`${tape}.clear();`)] : [])], s.loc),
  ];
}

/**
 * The reverse sweep: revolve's schedule, one step per `next()`. A step whose test has reverse
 * code (a do…while) counts the last test, which ends the loop, as a step of its own.
 */
export function checkpointedReverse(r: Reverser, s: Loop, sweep: (stmts: Loop["pre"]) => Code[]): Code[] {
  const { checkpoints, tape, pre, body } = r.checkpointed.get(s)!;
  const [preReverse, bodyReverse] = onTape(r, tape, () => [sweep(s.pre), sweep(s.body)]);
  const trips = r.tripCounters.get(s)!;
  const values = r.a.checkpoints.get(s)!.values.filter((name) => !r.inlined.has(name));
  // The step may have given array variables other arrays: their adjoints are those arrays'.
  const relookups = values.flatMap((name) => r.relookup(name, s.loc));
  const more = preReverse.length > 0 ? r.fresh("more") : null;
  if (more) r.extraLocals.push(more);
  const step: Code[] = more ? [...pre, line(`${more} = ${code(r, s.cond)};`, s.loc), { kind: "if", cond: more, then: body, else: [] }] : [...pre, ...body];
  const reverse: Code[] = more ? [{ kind: "if", cond: more, then: bodyReverse, else: [] }, ...preReverse] : bodyReverse;
  return [
    { kind: "comment", text: "the checkpointed loop backwards: revolve's schedule" },
    line(`${checkpoints}.reverse(${more ? `${trips} + 1` : trips});`, s.loc),
    {
      kind: "block",
      head: `while (${checkpoints}.next())`,
      body: [
        line(`if (${checkpoints}.restoring) [${values.join(", ")}] = ${checkpoints}.restore();`, s.loc),
        line(`if (${checkpoints}.saving) ${checkpoints}.save(${saved(r, s)});`, s.loc),
        ...step,
        line(`if (!${checkpoints}.turning) continue;`, s.loc),
        ...(tape ? [line(`${tape}.rewind();`, s.loc)] : []),
        ...relookups,
        ...reverse,
      ],
      loc: s.loc,
    },
  ];
}

/** The arguments of `save`: the loop's variables, and the arrays whose elements it writes. */
function saved(r: Reverser, s: Loop): string {
  const { values, arrays } = r.a.checkpoints.get(s)!;
  const kept = values.filter((name) => !r.inlined.has(name));
  return arrays.length > 0 ? `[${kept.join(", ")}], [${arrays.join(", ")}]` : `[${kept.join(", ")}]`;
}
