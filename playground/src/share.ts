// The page's state in the URL hash, so a link opens the same function, arguments and range.
export interface State {
  source: string;
  args: string;
  from: string;
  to: string;
  points: string;
}

/** `#src=<base64url of the UTF-8 source>&args=…&from=…&to=…&points=…` */
export function encodeState(state: State): string {
  const bytes = new TextEncoder().encode(state.source);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  const src = btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `#${new URLSearchParams({ src, args: state.args, from: state.from, to: state.to, points: state.points })}`;
}

/** The state a hash holds, or undefined when it holds none (or one that does not decode). */
export function decodeState(hash: string): State | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const src = params.get("src");
  if (src === null) return undefined;
  try {
    const binary = atob(src.replace(/-/g, "+").replace(/_/g, "/"));
    const source = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    return { source, args: params.get("args") ?? "x", from: params.get("from") ?? "-3", to: params.get("to") ?? "3", points: params.get("points") ?? "200" };
  } catch {
    return undefined;
  }
}
