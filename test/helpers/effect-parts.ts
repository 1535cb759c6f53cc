// What the effect programs of test/helpers/effect-programs.ts are made of: the categories of
// their ingredients, the array kinds, and the parts an ingredient's text is rendered from.
export const N = 6;

export const CATEGORIES = [
  "arithmetic",
  "branch",
  "loop",
  "array-read",
  "local-write",
  "input-write",
  "reading-helper",
  "outparam-void",
  "outparam-value",
  "alias-args",
  "alias-assign",
  "view",
  "stack-methods",
  "typed-methods",
  "swap-buffers",
  "guard",
  "kind-by-branch",
  // Issue 16: everyday JavaScript, here mixed with the effects above.
  "destructuring",
  "record",
  "closure",
  "callback",
  "copy-methods",
] as const;
/** Arrays of arrays as data (test/helpers/row-ingredients.ts): programs f(x, c, X) with X rows of numbers. */
export const ROW_CATEGORIES = ["row-index", "row-local", "row-for-of", "row-helper", "row-callback", "row-copy", "row-attached", "row-write", "row-of-inputs"] as const;
export type Category = (typeof CATEGORIES)[number] | (typeof ROW_CATEGORIES)[number];

export type Kind = "Float64Array" | "number[]";
/** The data matrix's kind: rows of numbers, or of Float64Arrays. */
export type RowKind = "number[][]" | "Float64Array[]";
export type Marker = "grad" | "valueAndGrad" | "vjp";
/** "both": wrt [0, 1], a gradient for x and for c; "array": the default wrt 0, x only. */
export type Wrt = "both" | "array";

/** What an ingredient's text is made from: constants, indices, and how the program is typed. */
export interface Parts {
  k: string;
  l: string;
  i: number;
  j: number;
  /** The array type (`Float64Array` or `number[]`). */
  A: string;
  /** An annotation, or nothing in the untyped rendering. */
  t: (annotation: string) => string;
  /** A fresh zero array of length n, of the program's kind. */
  zeros: string;
  /** A copy of an array expression, of the program's kind. */
  copy: (e: string) => string;
  kind: Kind;
  /** A row's type (`number[]` or `Float64Array`) in a program with rows. */
  R: string;
}

export type HelperName = "weigh" | "dot" | "axpy" | "matvec" | "square0" | "relax" | "pushAll" | "scaleInto" | "addSin" | "checkLength" | "pick" | "recordDot" | RowHelperName;
export type RowHelperName = "dotRow" | "weighRow" | "zeroRow" | "rowDot";

export interface Ingredient {
  id: string;
  categories: Category[];
  helpers?: HelperName[];
  /** Only for Float64Array programs (subarray, set). */
  typedOnly?: boolean;
  /** Declares or reassigns names that a wrapper would scope wrongly (the x/b swap). */
  noWrap?: boolean;
  code: (p: Parts) => string;
}

