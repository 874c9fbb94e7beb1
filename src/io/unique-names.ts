/**
 * Names handed out once each. A graph's node and value names must be unique, and the names a
 * model brings can clash (two layers both called 'conv'): the second becomes 'conv_1'.
 * @example
 * const names = new UniqueNames(['input']);
 * names.claim('conv'); // 'conv'
 * names.claim('conv'); // 'conv_1'
 */
export class UniqueNames {
  private readonly taken: Set<string>;

  /** `reserved` are never handed out. */
  constructor(reserved: Iterable<string> = []) {
    this.taken = new Set(reserved);
  }

  /** `want` if it is free, else the first free `want_1`, `want_2`, ...; taken from then on. */
  claim(want: string): string {
    let name = want;
    for (let k = 1; this.taken.has(name); k++) name = `${want}_${k}`;
    this.taken.add(name);
    return name;
  }
}
