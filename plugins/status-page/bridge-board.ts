import { BRIDGE_UPDATED, type BridgeStatus, type BusEvent } from '../../core/index.js';

/** A bridge as the page shows it: its latest state, and the plugin that runs it. */
export interface BoardBridge extends BridgeStatus {
  source: string;
  updated: string;
}

/** The bridges, fed by `bridge_updated` bus events: whichever plugin runs them, the latest state of each. */
export class BridgeBoard {
  readonly #bridges = new Map<string, BoardBridge>();

  /** Takes a bus event; true if the board changed. */
  event(event: BusEvent): boolean {
    if (event.type !== BRIDGE_UPDATED) return false;
    const status = event.data as BridgeStatus | null;
    if (!status || typeof status.name !== 'string') return false;
    this.#bridges.set(`${event.source}\u0000${status.name}`, { ...status, source: event.source, updated: event.time });
    return true;
  }

  /** By plugin, then by name. */
  snapshot(): BoardBridge[] {
    return [...this.#bridges.values()].sort((a, b) => a.source.localeCompare(b.source) || a.name.localeCompare(b.name));
  }
}
