import type { MessageProperties } from '../../core/index.js';

/** The MQTT 5 user property a bridge adds to what it forwards: `<loopId>;<hops>`, one per bridge passed. */
export const MARKER = 'switchboard-bridge';

/** The markers a message carries, in the order the bridges added them. */
export function markers(properties: MessageProperties | undefined): string[] {
  const value = properties?.userProperties?.[MARKER];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Whether the message already passed the bridge `loopId`. */
export function passed(properties: MessageProperties | undefined, loopId: string): boolean {
  return markers(properties).some((m) => m.slice(0, m.lastIndexOf(';')) === loopId);
}

/** The user properties of the forwarded copy: the source's, with this bridge's marker added. */
export function marked(properties: MessageProperties | undefined, loopId: string): NonNullable<MessageProperties['userProperties']> {
  const previous = markers(properties);
  return { ...(properties?.userProperties ?? {}), [MARKER]: [...previous, `${loopId};${previous.length + 1}`] };
}
