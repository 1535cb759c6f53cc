// The modes of f built from its derivatives: `hessian(f)` and `hvp(f)` forward over reverse
// (the jvp of f's gradient generated in the differentiable subset), `jacrev(f)` and
// `jacobian(f)` from its vjp and jvp. Of a function with record parameters, the derivatives
// take the records as their fields, and the site unpacks them.
import type * as t from "@babel/types";
import { spanOf, unwrap } from "../ast.js";
import { diagnostic } from "../diagnostics.js";
import type { IRFunction } from "../ir/index.js";
import { hasRecords, type Curvature, type NestedDerivatives, type NestedHost } from "./nested.js";
import { sourceNames } from "./record-entries.js";
import { fieldPaths, flatGradientParams, recordOf, unpacked } from "./record-entries.js";
import { arityGuard, omittable, unusedName } from "./bindings.js";

type ModeMarker = "hessian" | "hvp" | "jacrev" | "jacobian";

/** What a Hessian site needs of the module compiler beyond what nesting does. */
export interface ModesHost {
  lower(key: string): IRFunction | null;
  vjpFor(key: string, mask: number[]): string | null;
  replace(call: t.CallExpression, code: string): void;
}

/**
 * `hessian(f, { wrt })`, `hvp(f, { wrt })`, `jacrev(f, { wrt })`. The Hessian is forward over
 * reverse: H v is the jvp of f's gradient along v (one per row for an array, v = 1 for a
 * number); the Jacobian one pullback of f's vjp per output element.
 */
export function modeSite(nested: NestedDerivatives, host: NestedHost & ModesHost, call: t.CallExpression, marker: ModeMarker): void {
  const { ctx } = host;
  const fail = (at: t.Node, detail: string) => void ctx.diagnostics.push(diagnostic(marker === "jacrev" || marker === "jacobian" ? "ADJ018" : "ADJ016", ctx.filename, spanOf(at), detail));
  const [target, options] = call.arguments;
  const fnTarget = target && target.type !== "SpreadElement" && target.type !== "ArgumentPlaceholder" ? unwrap(target as t.Expression) : undefined;
  // An inline function outside every function (`hessian((x) => …)`) is one of the module's.
  const inline = fnTarget?.type === "ArrowFunctionExpression" || fnTarget?.type === "FunctionExpression" ? host.inlineTarget(fnTarget) : null;
  if (!inline && (fnTarget?.type !== "Identifier" || !ctx.functions.has(fnTarget.name))) return fail(target ?? call, `${marker} takes a function of the module by its name, or one written inline outside every function`);
  const key = inline ?? (fnTarget as t.Identifier).name;
  const wrt = host.wrt(options, call);
  if (wrt === null) return;
  if (Array.isArray(wrt)) return fail(options!, `${marker} takes one parameter: { wrt: 1 }`);
  const lowered = host.lower(key);
  if (!lowered) return;
  const ir = nested.withInferredKinds(lowered);
  if (hasRecords(ir)) return throughFields(nested, host, call, marker, key, ir, wrt);
  modeOf(nested, host, call, marker, key, ir, wrt, (code) => host.replace(call, code));
}

/**
 * A mode of f with record parameters: the mode of f by fields (the generated code takes each
 * record as its fields), its site a function of f's own parameters unpacking each record.
 */
function throughFields(nested: NestedDerivatives, host: NestedHost & ModesHost, call: t.CallExpression, marker: ModeMarker, key: string, ir: IRFunction, wrt: number): void {
  const { ctx } = host;
  const names = sourceNames(ctx.functions.get(key)!.node);
  if (wrt < 0 || wrt >= names.length) return void ctx.diagnostics.push(diagnostic("ADJ017", ctx.filename, spanOf(call.arguments[1] ?? call), `${wrt} ('${key}' has ${names.length} parameters)`));
  const param = ir.sourceParams![wrt];
  if (param.kind === "record" && (marker === "jacrev" || marker === "jacobian")) return recordJacobian(host, call, marker, { key, ir, names, wrt });
  if (param.kind === "record") return recordCurvature(nested, host, call, marker as "hessian" | "hvp", { key, ir, names, wrt });
  // The record's fields, then what the mode takes after f's parameters (v).
  const unpack = (code: string) => `((${names.join(", ")}, ...more) => (${code})(${unpacked(names, ir.sourceParams!).join(", ")}, ...more))`;
  modeOf(nested, host, call, marker, key, ir, param.index, (code) => host.replace(call, unpack(code)));
}

function modeOf(nested: NestedDerivatives, host: NestedHost & ModesHost, call: t.CallExpression, marker: ModeMarker, key: string, ir: IRFunction, wrt: number, replace: (code: string) => void): void {
  const { ctx, runtime } = host;
  const [target, options] = call.arguments;
  const fail = (at: t.Node, detail: string) => void ctx.diagnostics.push(diagnostic(marker === "jacrev" || marker === "jacobian" ? "ADJ018" : "ADJ016", ctx.filename, spanOf(at), detail));
  if (wrt < 0 || wrt >= ir.params.length) return void ctx.diagnostics.push(diagnostic("ADJ017", ctx.filename, spanOf(options ?? call), `${wrt} ('${key}' has ${ir.params.length} parameters)`));
  const kind = ir.paramTypes[wrt];
  if (kind !== "number" && kind !== "array" && kind !== "ndarray") {
    return fail(target!, `${marker} with respect to a number, an array of numbers or an NDArray (not yet records)`);
  }
  if (marker === "jacrev") {
    const vjp = host.vjpFor(key, [wrt]);
    if (vjp) replace(`((...args) => ${runtime}.jacobianRows(${vjp}, args, 0))`);
    return;
  }
  if (marker === "jacobian") {
    const [jvp, vjp] = [host.jvpFor(key, [wrt]), host.vjpFor(key, [wrt])];
    if (jvp && vjp) replace(`${runtime}.jacobianOf(${jvp}, ${vjp}, ${ir.params.length}, ${wrt})`);
    return;
  }
  const curvature = nested.curvature(key, wrt, call, hasRecords(ir));
  if (!curvature) return;
  const hvp = hvpFunction(nested, host, key, wrt, curvature, ir);
  if (!hvp) return;
  // A number's Hessian is its H v at v = 1; an array's, one H v per unit v, a row each. Every
  // parameter is named: v follows them all, where a call leaves some to their defaults.
  const args = ir.params.join(", ");
  const hessianOf = kind === "number" ? `((${args}) => ${hvp}(${args}, 1))` : `((${args}) => ${runtime}.hessianRows(${hvp}, [${args}], ${wrt}))`;
  replace(marker === "hvp" ? hvp : hessianOf);
}

const hvps = new WeakMap<NestedDerivatives, Map<string, string | null>>();

/**
 * H v for f with respect to parameter `wrt` (by `row` of several: those rows of H times v): the
 * jvp of f's gradient (generated in the differentiable subset) along v, forward over reverse,
 * at about the cost of two gradients; or the gradient of f's jvp tangent along v, reverse over
 * forward, where the gradient cannot be written in the subset. Generated once per f and wrt.
 */
function hvpFunction(nested: NestedDerivatives, host: NestedHost & ModesHost, key: string, wrt: number | number[], curvature: Curvature, ir: IRFunction, row?: number): string | null {
  if (!hvps.has(nested)) hvps.set(nested, new Map());
  const known = hvps.get(nested)!;
  const id = `${curvature.gradient ?? curvature.tangent}|${JSON.stringify(wrt)}|${row}`;
  if (known.has(id)) return known.get(id)!;
  const order = Array.isArray(wrt) ? wrt : [wrt];
  const by = row ?? (wrt as number);
  const product = curvature.gradient !== undefined ? host.jvpFor(curvature.gradient, order) : host.gradFor(curvature.tangent, by);
  const hvp = product && host.freshModuleName(`${key}$hvp${row === undefined ? "" : `_${ir.params[row]}`}`);
  known.set(id, hvp);
  if (!product || !hvp) return null;
  const args = ir.params.join(", ");
  // One v per parameter: the gradient's jvp along all of them at once is H times their concatenation.
  const vs = (Array.isArray(wrt) ? order.map((i) => `v_${ir.params[i]}`) : ["v"]).map((v) => unusedName(v, ir.params));
  const how = curvature.gradient !== undefined ? `the jvp of its gradient${row === undefined ? "" : ` by ${ir.params[row]}`} along v` : `the gradient${row === undefined ? "" : ` by ${ir.params[row]}`} of its jvp's tangent along v (reverse over forward: its gradient needs arrays by identity)`;
  host.appendLines([
    { text: `// Hessian of ${key} with respect to ${order.map((i) => ir.params[i]).join(", ")}, ${row === undefined ? "times v" : `its ${ir.params[row]} rows times v`}: ${how}; generated by adjoint` },
    { text: `function ${hvp}(${args}, ${vs.join(", ")}) {` },
    ...(host.ctx.functions.has(key) && omittable(host.ctx.functions.get(key)!.node) ? [{ text: `  ${arityGuard(hvp, ir.params.length, vs.length, vs.length === 1 ? "v" : `${vs.length} directions`)}` }] : []),
    { text: `  return ${product}(${args}, ${vs.join(", ")})${curvature.gradient !== undefined ? "[1]" : ""};` },
    { text: "}" },
  ]);
  return hvp;
}

/**
 * `jacrev(f, { wrt })` and `jacobian(f, { wrt })` with respect to a record parameter: a record
 * of its keys, as JAX's jacrev of a pytree, each field's Jacobian (for a number result, the
 * gradient) from one vjp of all the fields. `jacobian` is jacrev here: forward mode takes no
 * record tangents through a Jacobian yet.
 */
function recordJacobian(host: NestedHost & ModesHost, call: t.CallExpression, marker: "jacrev" | "jacobian", f: { key: string; ir: IRFunction; names: string[]; wrt: number }): void {
  const param = f.ir.sourceParams![f.wrt];
  const fields = flatGradientParams(f.ir, param);
  const vjp = host.vjpFor(f.key, fields);
  if (!vjp) return;
  const name = host.freshModuleName(`${f.key}$${marker}_${f.names[f.wrt]}`);
  host.appendLines([
    { text: `// Jacobian of ${f.key} with respect to the record ${f.names[f.wrt]} (line ${f.ir.loc.line}), from ${vjp} of its fields, one per field; generated by adjoint` },
    { text: `function ${name}(${f.names.join(", ")}) {` },
    { text: `  const jacobians = ${host.runtime}.jacobianFields(${vjp}, [${unpacked(f.names, f.ir.sourceParams!).join(", ")}], ${fields.length});` },
    { text: `  return ${recordOf(f.ir, param, "jacobians", f.names[f.wrt])};` },
    { text: "}" },
  ]);
  host.replace(call, name);
}

/**
 * `hvp(f, { wrt })` and `hessian(f, { wrt })` with respect to a record parameter, as JAX takes
 * them of a pytree: v is a record of the same keys and so is H v; the Hessian is a record of
 * records, `H.w.b` the block of second derivatives by w and b (shaped `[...w, ...b]`).
 */
function recordCurvature(nested: NestedDerivatives, host: NestedHost & ModesHost, call: t.CallExpression, marker: "hessian" | "hvp", f: { key: string; ir: IRFunction; names: string[]; wrt: number }): void {
  const param = f.ir.sourceParams![f.wrt];
  const fields = flatGradientParams(f.ir, param);
  // One gradient per field, each differentiated along all of them: generated code returns no list of arrays.
  const products = fields.map((k) => {
    const curvature = nested.curvature(f.key, k, call, true, fields);
    return curvature && hvpFunction(nested, host, f.key, fields, curvature, f.ir, k);
  });
  if (products.some((p) => !p)) return;
  const hvp = host.freshModuleName(`${f.key}$hvp_fields`);
  const flatArgs = f.ir.params.join(", ");
  // A function may write into the arrays it is given: each row but the last gets copies, so all see them as given.
  const copies = f.ir.params.map((p, i) => (f.ir.paramTypes[i] === "array" ? `${p}.slice()` : p)).join(", ");
  const vs = fields.map((i) => unusedName(`v_${f.ir.params[i]}`, f.ir.params)).join(", ");
  host.appendLines([
    { text: `// Hessian of ${f.key} with respect to ${fields.map((i) => f.ir.params[i]).join(", ")}, times v: each field's rows; generated by adjoint` },
    { text: `function ${hvp}(${flatArgs}, ${vs}) {` },
    { text: `  return [${products.map((p, k) => `${p}(${k < products.length - 1 ? copies : flatArgs}, ${vs})`).join(", ")}];` },
    { text: "}" },
  ]);
  const name = host.freshModuleName(`${f.key}$${marker}_${f.names[f.wrt]}`);
  const about = `of ${f.key} with respect to the record ${f.names[f.wrt]} (line ${f.ir.loc.line}), from ${hvp} of its fields`;
  const args = unpacked(f.names, f.ir.sourceParams!).join(", ");
  if (marker === "hvp") {
    // v is the second argument's name unless a parameter has it.
    const v = f.names.includes("v") ? "v_record" : "v";
    host.appendLines([
      { text: `// Hessian times v ${about}; generated by adjoint` },
      { text: `function ${name}(${[...f.names, v].join(", ")}) {` },
      { text: `  const products = ${hvp}(${args}, ${fieldPaths(f.ir, param, v).join(", ")});` },
      { text: `  return ${recordOf(f.ir, param, "products", f.names[f.wrt])};` },
      { text: "}" },
    ]);
  } else {
    host.appendLines([
      { text: `// Hessian ${about}, a block per pair of fields; generated by adjoint` },
      { text: `function ${name}(${f.names.join(", ")}) {` },
      { text: `  const blocks = ${host.runtime}.hessianBlocks(${hvp}, [${args}], [${fields.join(", ")}]);` },
      { text: `  return ${recordOf(f.ir, param, "blocks", f.names[f.wrt], (row) => recordOf(f.ir, param, row, f.names[f.wrt]))};` },
      { text: "}" },
    ]);
  }
  host.replace(call, name);
}

