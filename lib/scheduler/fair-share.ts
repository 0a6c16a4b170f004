/**
 * How the scheduler shares its worker slots between job kinds. Pure, so the fairness rules are unit-tested without
 * timers or a database.
 *
 * Each kind has `reserved` slots no other kind may use (provisioning runs keep theirs however many probes are due) and
 * a `max` it never exceeds (probes are capped so they spread out instead of bursting at Microsoft). The slots nobody
 * reserved are shared, and both claiming and starting go round-robin across kinds, one slot at a time, so a flood of
 * one kind interleaves with the others instead of queueing them behind it.
 */
type KindShare = { name: string; reserved: number; max: number };

export type Slots = {
  size: number;
  kinds: readonly KindShare[];
  /** Jobs of each kind running now (missing = 0). */
  running: Readonly<Record<string, number>>;
};

const count = (record: Readonly<Record<string, number>>, name: string) => record[name] ?? 0;

/** Shared slots (reserved by no kind) not in use now: a kind uses its reserved slots first. */
function freeSharedSlots(slots: Slots): number {
  const reserved = slots.kinds.reduce((sum, k) => sum + k.reserved, 0);
  const inUse = slots.kinds.reduce((sum, k) => sum + Math.max(0, count(slots.running, k.name) - k.reserved), 0);
  return Math.max(0, slots.size - reserved - inUse);
}

/** How many more jobs of `name` may run now: its own free reserved slots plus the free shared ones, within its max. */
export function headroom(slots: Slots, name: string): number {
  const kind = slots.kinds.find((k) => k.name === name);
  if (!kind) return 0;
  const running = count(slots.running, name);
  const ownFree = Math.max(0, kind.reserved - running);
  return Math.max(0, Math.min(kind.max - running, ownFree + freeSharedSlots(slots)));
}

/** The kinds in round-robin order: those after `last` first, then the rest, `last` at the end. */
function rotation(kinds: readonly KindShare[], last: string | null): KindShare[] {
  const at = last === null ? -1 : kinds.findIndex((k) => k.name === last);
  return [...kinds.slice(at + 1), ...kinds.slice(0, at + 1)];
}

/**
 * The kind whose queued job starts next: the first, going round-robin after `last`, that has a job waiting and a slot
 * it may use. Null when nothing can start.
 */
export function pickNextKind(slots: Slots, waiting: Readonly<Record<string, number>>, last: string | null): string | null {
  for (const kind of rotation(slots.kinds, last)) {
    if (count(waiting, kind.name) > 0 && headroom(slots, kind.name) > 0) return kind.name;
  }
  return null;
}

/**
 * How many jobs each of `wanting` may claim now: jobs already queued count as running (they will take a slot), and the
 * free slots are dealt one at a time round-robin after `last`, so kinds polled together split the shared slots
 * instead of the first one claiming them all (a claimed job holds a lease while it waits for its slot).
 */
export function planClaims(
  slots: Slots,
  waiting: Readonly<Record<string, number>>,
  wanting: readonly string[],
  last: string | null,
): Record<string, number> {
  const planned: Record<string, number> = {};
  const occupied: Record<string, number> = {};
  for (const k of slots.kinds) occupied[k.name] = count(slots.running, k.name) + count(waiting, k.name);
  const order = rotation(slots.kinds, last).filter((k) => wanting.includes(k.name));
  for (let dealt = true; dealt;) {
    dealt = false;
    for (const kind of order) {
      if (headroom({ ...slots, running: occupied }, kind.name) <= 0) continue;
      occupied[kind.name] += 1;
      planned[kind.name] = (planned[kind.name] ?? 0) + 1;
      dealt = true;
    }
  }
  return planned;
}
