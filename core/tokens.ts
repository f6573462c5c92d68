/** Service identifiers for values bound in the container; services that are classes are their own identifiers. */
export const TOKENS = {
  Config: Symbol.for('switchboard.Config'),
  Logger: Symbol.for('switchboard.Logger'),
} as const;
