// Generic dataflow helpers of the analyses: fixed points, reachability, union-find.

export function fixpoint(step: () => boolean): void {
  for (let i = 0; i < 10_000 && step(); i++);
}

/** Every node reachable from `seeds` along `edges`, through nodes that `passes` allows. */
export function reach(seeds: string[], edges: [string, string][], passes: (node: string) => boolean): Set<string> {
  const next = new Map<string, string[]>();
  for (const [from, to] of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const seen = new Set<string>();
  const queue = seeds.filter(passes);
  for (const seed of queue) seen.add(seed);
  while (queue.length > 0) {
    for (const to of next.get(queue.pop()!) ?? []) {
      if (!seen.has(to) && passes(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return seen;
}

export class UnionFind {
  private parent = new Map<string, string>();
  find(name: string): string {
    const parent = this.parent.get(name);
    if (parent === undefined || parent === name) return name;
    const root = this.find(parent);
    this.parent.set(name, root);
    return root;
  }
  union(a: string, b: string): void {
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra !== rb) this.parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
}
