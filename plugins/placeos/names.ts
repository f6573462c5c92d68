import type { StateMap } from '../../core/index.js';
import type { MetadataMessage, StateMessage } from './placeos-message.js';

export interface KnownName {
  name: string;
  /** The metadata topic's scope: the org id (documented) or the literal hierarchy tag "org" (PlaceOS's service). */
  scope: string;
}

export interface Names {
  org: string | null;
  zones: Record<string, string | null>;
  system: string | null;
  driver: string | null;
}

/**
 * Friendly names from PlaceOS metadata, by model id, kept in the plugin's state so that they are on the
 * first events after a restart, before PlaceOS publishes them again. Ids only: PlaceOS's service publishes
 * every org's metadata under the same scope, "org", so the scope cannot tell ids apart.
 */
export class NameBook {
  readonly #names: StateMap<KnownName>;

  constructor(names: StateMap<KnownName>) {
    this.#names = names;
  }

  /** Records a metadata message; returns whether the name changed. A removed model, or one without a name, forgets it. */
  apply(message: MetadataMessage): boolean {
    const before = this.#names.get(message.id);
    if (message.name === null) return this.#names.delete(message.id);
    if (before?.name === message.name && before.scope === message.scope) return false;
    this.#names.set(message.id, { name: message.name, scope: message.scope });
    return before?.name !== message.name;
  }

  name(id: string | null): string | null {
    return id === null ? null : (this.#names.get(id)?.name ?? null);
  }

  /** The names known for a state message's org, zones, system and driver (null where none is known). */
  of(message: StateMessage): Names {
    const zones: Record<string, string | null> = {};
    for (const [tag, id] of Object.entries(message.zones)) zones[tag] = this.name(id);
    return { org: this.name(message.org), zones, system: this.name(message.system), driver: this.name(message.driver) };
  }
}
