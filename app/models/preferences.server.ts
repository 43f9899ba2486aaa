// A staff user's remembered view settings (board.user_preference, migration 0020): today the columns
// each grid shows. Read and written for the signed-in user only; the value is checked on the way in
// and again on the way out (a column a later release removed is ignored, never an error).
import { sql, type Kysely } from "kysely";
import { z } from "zod";
import type { Database } from "../../db/schema";
import type { SessionUser } from "../auth/session.server";
import { recordAudit } from "./audit.server";

/** The grids whose columns are remembered (the preference key is `columns:<grid>`). */
export const REMEMBERED_GRIDS = ["credits", "activity-learners", "licensee-records", "activities", "renewals"] as const;
export type RememberedGrid = (typeof REMEMBERED_GRIDS)[number];

const columnChoice = z.object({
  hide: z.array(z.string().max(40)).max(40),
  show: z.array(z.string().max(40)).max(40),
});
export type ColumnChoice = z.infer<typeof columnChoice>;

const keyOf = (grid: RememberedGrid) => `columns:${grid}`;

/** The user's remembered columns for a grid, limited to the columns it has; null when none. */
export async function getColumnChoice(db: Kysely<Database>, userId: string, grid: RememberedGrid, columnIds: readonly string[]): Promise<ColumnChoice | null> {
  const row = await db
    .selectFrom("board.user_preference")
    .select("value")
    .where("user_id", "=", userId)
    .where("key", "=", keyOf(grid))
    .executeTakeFirst();
  if (!row) return null;
  const parsed = columnChoice.safeParse(row.value);
  if (!parsed.success) return null;
  const known = (ids: string[]) => ids.filter((id) => columnIds.includes(id));
  return { hide: known(parsed.data.hide), show: known(parsed.data.show) };
}

/** Remember (or, with null, forget) the user's columns for a grid; audited. */
export async function saveColumnChoice(db: Kysely<Database>, user: Pick<SessionUser, "id" | "org">, grid: RememberedGrid, choice: ColumnChoice | null, ip: string | null): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (choice === null) {
      await trx.deleteFrom("board.user_preference").where("user_id", "=", user.id).where("key", "=", keyOf(grid)).execute();
    } else {
      const value = JSON.stringify(columnChoice.parse(choice));
      await trx
        .insertInto("board.user_preference")
        .values({ user_id: user.id, org_code: user.org.code, key: keyOf(grid), value })
        .onConflict((oc) => oc.columns(["user_id", "key"]).doUpdateSet({ value, updated_at: sql`now()` }))
        .execute();
    }
    await recordAudit(trx, {
      action: "preferences.update",
      userId: user.id,
      orgCode: user.org.code,
      target: keyOf(grid),
      detail: { columns: choice },
      ip,
    });
  });
}
