/** How much homelink tracks at most, so that a flood of made-up ids cannot grow memory and state without end. */
export interface TrackingLimits {
  /** Items (devices, or alerts listed against them) per property. */
  perProperty: number;
  /** Items in all. */
  total: number;
}

/** How many items are tracked now, in the property concerned and in all. */
export interface TrackedCounts {
  property: number;
  total: number;
}

/** The oldest tracked items that are not an active alarm, which may make room for a new one. */
export interface QuietItems {
  oldestInProperty(): string | undefined;
  oldestAnywhere(): string | undefined;
}

export type Admission =
  | { readonly track: true; readonly evict: readonly string[]; readonly overLimit: boolean }
  | { readonly track: false; readonly reason: string };

/**
 * Whether a new item may be tracked. Under both limits: yes. Over one, the oldest item that is not an
 * active alarm (in the property for the per-property limit, anywhere for the total) is evicted to make
 * room. When only active alarms are left to evict, a new active alarm is still tracked (an alarm is never
 * dropped: the limit is exceeded, and `overLimit` says so), and anything else is refused.
 */
export function admit(limits: TrackingLimits, counts: TrackedCounts, alarm: boolean, quiet: QuietItems): Admission {
  const evict: string[] = [];
  let overLimit = false;
  if (counts.property >= limits.perProperty) {
    const victim = quiet.oldestInProperty();
    if (victim !== undefined) evict.push(victim);
    else if (alarm) overLimit = true;
    else return { track: false, reason: `the property tracks ${counts.property} items already (limit ${limits.perProperty}), all of them active alarms` };
  }
  // An eviction in the property makes room in the total too.
  if (counts.total - evict.length >= limits.total) {
    const victim = quiet.oldestAnywhere();
    if (victim !== undefined && !evict.includes(victim)) evict.push(victim);
    else if (alarm) overLimit = true;
    else return { track: false, reason: `${counts.total} items are tracked already (limit ${limits.total}), all of them active alarms` };
  }
  return { track: true, evict, overLimit };
}
