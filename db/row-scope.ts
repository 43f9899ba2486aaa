// The organisation a database session acts for, carried through each request with
// AsyncLocalStorage and handed to PostgreSQL as `app.boards` / `app.org` on every connection the app
// checks out. Row-level security (migration 0007) reads those settings, so a query that forgets its
// scope still sees only the organisation's rows, and a query with no scope at all sees none.
import { AsyncLocalStorage } from "node:async_hooks";

export interface RowScope {
  /** `*` for every board (ACCME, the analytics sync), else the comma-separated board codes. */
  boards: string;
  /** The organisation whose board tables (rosters, decisions, rules, samples, audit) are visible; `*` for all. */
  org: string;
}

/** No organisation: row-level security shows nothing of the learner store or the board tables. */
export const NO_ROWS: RowScope = { boards: "", org: "" };

// One store per process: the Remix server build bundles its own copy of this module beside the one
// the Express server and the database client load, and all of them must share the same context.
const KEY = Symbol.for("cme-board.row-scope");
const holder = globalThis as typeof globalThis & { [KEY]?: AsyncLocalStorage<{ scope: RowScope }> };
const storage = (holder[KEY] ??= new AsyncLocalStorage<{ scope: RowScope }>());

/** Runs `fn` (one request) with a scope that starts empty; the sign-in check fills it in. */
export function runWithRowScope<T>(scope: RowScope, fn: () => T): T {
  return storage.run({ scope }, fn);
}

/**
 * Sets the scope of the current request (or, outside any request, of the current async context and
 * what it starts from here on).
 */
export function setRowScope(scope: RowScope): void {
  const store = storage.getStore();
  if (store) store.scope = scope;
  else storage.enterWith({ scope });
}

export function currentRowScope(): RowScope {
  return storage.getStore()?.scope ?? NO_ROWS;
}

/** The statement that hands a scope to PostgreSQL; `local` limits it to the current transaction. */
export function rowScopeStatement(scope: RowScope, local: boolean): { sql: string; parameters: string[] } {
  return {
    sql: `select set_config('app.boards', $1, ${local}), set_config('app.org', $2, ${local})`,
    parameters: [scope.boards, scope.org],
  };
}
