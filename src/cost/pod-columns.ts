// The window's pods held column by column: a few numbers per pod instead of an object graph. A month of a
// busy cluster is hundreds of thousands of pods; as objects they would sit in the old generation for the whole
// report (~450 bytes each, walked by every full GC), as columns they take ~80 bytes and their uid. Iterating
// hands out one CostPod at a time, equal to the one pushed, which the core consumes and drops. Iterable any
// number of times (the price resolution reads the pods before the core does).
import type { CostPod } from "./input.js";

/** Values that repeat across pods (namespaces, node names, an app's attribution): stored once, by index. */
class Dict<T> {
  private readonly index = new Map<T, number>();
  private readonly values: T[] = [];
  /** -1 for undefined. */
  of(v: T | undefined): number {
    if (v === undefined) return -1;
    let i = this.index.get(v);
    if (i === undefined) this.index.set(v, (i = this.values.push(v) - 1));
    return i;
  }
  at(i: number): T | undefined {
    return i < 0 ? undefined : this.values[i];
  }
}

// Numbers per pod (mainStartedAt is NaN when absent), then indexes per pod.
const [CPU, MEM, START, END, MAIN, UNCERTAINTY, NUMS] = [0, 1, 2, 3, 4, 5, 6];
const [NS, NAME, APP, ROLE, NODE, ATTRIBUTION, INFO, REFS] = [0, 1, 2, 3, 4, 5, 6, 7];

export class PodColumns implements Iterable<CostPod> {
  private size = 0;
  private nums = new Float64Array(1024 * NUMS);
  private refs = new Int32Array(1024 * REFS);
  private readonly uids: string[] = [];
  private readonly strings = new Dict<string>();
  /** By identity: the records of one ledger read share their apps' attribution and their node labels. */
  private readonly objects = new Dict<object>();
  /** Usage samples, for the few pods that carry them (the ledger has none). */
  private readonly usage = new Map<number, NonNullable<CostPod["usage"]>>();

  get length(): number {
    return this.size;
  }

  push(p: CostPod): void {
    const i = this.size++;
    if ((i + 1) * NUMS > this.nums.length) {
      const nums = new Float64Array(this.nums.length * 2);
      nums.set(this.nums);
      this.nums = nums;
      const refs = new Int32Array(this.refs.length * 2);
      refs.set(this.refs);
      this.refs = refs;
    }
    const n = i * NUMS;
    this.nums[n + CPU] = p.cpuCores;
    this.nums[n + MEM] = p.memoryBytes;
    this.nums[n + START] = p.held.start;
    this.nums[n + END] = p.held.end;
    this.nums[n + MAIN] = p.mainStartedAt ?? Number.NaN;
    this.nums[n + UNCERTAINTY] = p.uncertaintyMs;
    const r = i * REFS;
    this.refs[r + NS] = this.strings.of(p.namespace);
    this.refs[r + NAME] = this.strings.of(p.name);
    this.refs[r + APP] = this.strings.of(p.appUid);
    this.refs[r + ROLE] = this.strings.of(p.role);
    this.refs[r + NODE] = this.strings.of(p.node);
    this.refs[r + ATTRIBUTION] = this.objects.of(p.attribution);
    this.refs[r + INFO] = this.objects.of(p.nodeInfo);
    this.uids.push(p.uid);
    if (p.usage !== undefined) this.usage.set(i, p.usage);
  }

  *[Symbol.iterator](): Iterator<CostPod> {
    for (let i = 0; i < this.size; i++) yield this.at(i);
  }

  private at(i: number): CostPod {
    const n = i * NUMS;
    const r = i * REFS;
    const str = (k: number) => this.strings.at(this.refs[r + k]);
    const pod: CostPod = {
      uid: this.uids[i],
      namespace: str(NS)!,
      attribution: this.objects.at(this.refs[r + ATTRIBUTION]) as CostPod["attribution"],
      nodeInfo: this.objects.at(this.refs[r + INFO]) as CostPod["nodeInfo"],
      cpuCores: this.nums[n + CPU],
      memoryBytes: this.nums[n + MEM],
      held: { start: this.nums[n + START], end: this.nums[n + END] },
      uncertaintyMs: this.nums[n + UNCERTAINTY],
    };
    // Absent stays absent (not undefined), so a pod read back deep-equals the pod pushed.
    const name = str(NAME);
    const appUid = str(APP);
    const role = str(ROLE) as CostPod["role"];
    const node = str(NODE);
    const main = this.nums[n + MAIN];
    const usage = this.usage.get(i);
    if (name !== undefined) pod.name = name;
    if (appUid !== undefined) pod.appUid = appUid;
    if (role !== undefined) pod.role = role;
    if (node !== undefined) pod.node = node;
    if (!Number.isNaN(main)) pod.mainStartedAt = main;
    if (usage !== undefined) pod.usage = usage;
    return pod;
  }
}
