/** A state directory that cannot be used at all (corrupt snapshot, in use by another process). */
export class StateError extends Error {
  override name = 'StateError';
}
