// Admission by count, shared by the export and roster-upload gates (decision 018): how many of a
// user's requests, and how many of everyone's, are in flight, against a per-user and a global limit.
// Each gate keeps its own tickets and events; this is only the rule both apply.

export interface AdmissionLimits {
  perUser: number;
  global: number;
  retryAfterSeconds: number;
}

/**
 * Which limit a new request of `userId` would pass, or null when it may start. `countsGlobally`
 * says which tickets (and whether this request) take one of the global slots.
 */
export function overLimit<T extends { userId: string }>(
  active: Iterable<T>,
  userId: string,
  limits: AdmissionLimits,
  countsGlobally: (ticket: T) => boolean = () => true,
  takesGlobalSlot = true,
): { limit: "perUser"; mine: number } | { limit: "global" } | null {
  let mine = 0;
  let global = 0;
  for (const ticket of active) {
    if (ticket.userId === userId) mine++;
    if (countsGlobally(ticket)) global++;
  }
  if (mine >= limits.perUser) return { limit: "perUser", mine };
  if (takesGlobalSlot && global >= limits.global) return { limit: "global" };
  return null;
}
