// "Remember these columns" (and "Back to the usual columns") from a grid's column chooser: saves the
// signed-in user's own choice for that grid and returns to it. Only the user's own row is written
// (the user comes from the session, never the form); audited.
import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { requireUser } from "~/auth/permissions.server";
import { safeRedirectTarget } from "~/auth/session.server";
import { ACTIVITY_COLUMNS } from "~/lib/activity-search";
import { ACTIVITY_LEARNER_COLUMNS, CREDIT_COLUMNS, LICENSEE_RECORD_COLUMNS } from "~/lib/credit-search";
import { RENEWAL_COLUMNS } from "~/lib/renewal-search";
import { readFormFields } from "~/lib/request-form.server";
import { REMEMBERED_GRIDS, saveColumnChoice, type RememberedGrid } from "~/models/preferences.server";

/** Each remembered grid's column ids and its page (where the chooser sends the user back). */
const GRIDS: Record<RememberedGrid, { columns: readonly { id: string }[]; page: string }> = {
  credits: { columns: CREDIT_COLUMNS, page: "/credits" },
  "activity-learners": { columns: ACTIVITY_LEARNER_COLUMNS, page: "/activities" },
  "licensee-records": { columns: LICENSEE_RECORD_COLUMNS, page: "/licensees" },
  activities: { columns: ACTIVITY_COLUMNS, page: "/activities" },
  renewals: { columns: RENEWAL_COLUMNS, page: "/renewals" },
};

const idList = z
  .string()
  .max(2000)
  .default("")
  .transform((text) => text.split(",").map((id) => id.trim()).filter(Boolean));

const form = z.object({
  grid: z.enum(REMEMBERED_GRIDS, { error: "That table does not exist." }),
  intent: z.enum(["save", "forget"], { error: "Choose to remember or forget the columns." }),
  hide: idList,
  show: idList,
  redirectTo: z.string().optional(),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const parsed = form.safeParse(await readFormFields(request));
  if (!parsed.success) throw new Response(parsed.error.issues[0]?.message ?? "The form could not be read.", { status: 400 });
  const { grid, intent, hide, show, redirectTo } = parsed.data;
  const ids = GRIDS[grid].columns.map((c) => c.id);
  const unknown = [...hide, ...show].find((id) => !ids.includes(id));
  if (unknown !== undefined) throw new Response(`There is no column "${unknown.slice(0, 40)}" in that table.`, { status: 400 });
  if (hide.length > ids.length || show.length > ids.length) throw new Response("Too many columns.", { status: 400 });
  await saveColumnChoice(context.services.db, user, grid, intent === "save" ? { hide: [...new Set(hide)], show: [...new Set(show)] } : null, context.clientIp);
  throw redirect(safeRedirectTarget(redirectTo, GRIDS[grid].page), 303);
}
