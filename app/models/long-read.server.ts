// Long reads (exports) get a connection and a transaction of their own: read-only, one consistent
// snapshot from the first row to the last, and without the app's 30-second statement timeout,
// which a cursor read of millions of rows would otherwise hit (the whole cursor is one statement).
import { CompiledQuery, sql, type Kysely } from "kysely";
import { currentRowScope, rowScopeStatement, type RowScope } from "../../db/row-scope";
import type { Database } from "../../db/schema";

/** The longest an export may read for (a cursor through tens of millions of rows). */
const LONG_READ_TIMEOUT = "30min";

export function streamInSnapshot<R>(db: Kysely<Database>, read: (trx: Kysely<Database>) => AsyncIterable<R>): AsyncGenerator<R> {
  // Taken now, in the request: the response body is pulled later, outside the request's context.
  return readInSnapshot(db, currentRowScope(), read);
}

async function* readInSnapshot<R>(
  db: Kysely<Database>,
  scope: RowScope,
  read: (trx: Kysely<Database>) => AsyncIterable<R>,
): AsyncGenerator<R> {
  const trx = await db.startTransaction().setIsolationLevel("repeatable read").setAccessMode("read only").execute();
  let finished = false;
  try {
    await sql`select set_config('statement_timeout', ${LONG_READ_TIMEOUT}, true)`.execute(trx);
    // This transaction's own scope: the request's, whichever context pulls the rows.
    const statement = rowScopeStatement(scope, true);
    await trx.executeQuery(CompiledQuery.raw(statement.sql, statement.parameters));
    yield* read(trx);
    finished = true;
  } finally {
    // Stopped early (the client went away) or failed: roll back.
    if (!finished) await trx.rollback().execute().catch(() => undefined);
  }
  try {
    await trx.commit().execute();
  } catch (error) {
    // A commit that fails (the connection died) keeps its connection until rolled back.
    await trx.rollback().execute().catch(() => undefined);
    throw error;
  }
}
