// The list grids as definitions of the one grid pipeline (app/models/grid.server.ts): the activities
// (PARS's "Learner Summary by Activity") and the renewal queue. Page and export call the same one.
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { SessionUser } from "../auth/session.server";
import { ACTIVITY_COLUMNS, ACTIVITY_FILTER_NAMES, type ACTIVITY_FILTERS, type ActivityRow } from "../lib/activity-search";
import type { ColumnDef } from "../lib/grid";
import { RENEWAL_FILTER_NAMES, type RENEWAL_FILTERS, type RenewalRow } from "../lib/renewal-search";
import { countActivityList, listActivities, streamActivities } from "./activities.server";
import type { GridDefinition } from "./grid.server";
import { countRenewals, listRenewals, streamRenewals } from "./renewal-queue.server";

/** The activities with credit reported to the user's board(s), in the user's scope. */
export function activityGrid(readDb: Kysely<Database>, user: SessionUser): GridDefinition<typeof ACTIVITY_FILTERS, ActivityRow> {
  return {
    name: "activities",
    columns: ACTIVITY_COLUMNS,
    filterNames: ACTIVITY_FILTER_NAMES,
    multiBoard: user.scope.boardCodes === null,
    async read(state, request) {
      return listActivities(readDb, user.scope, { filters: state.filters, sort: state.sort, ...request });
    },
    count: (state) => countActivityList(readDb, user.scope, state.filters),
    stream: (state) => streamActivities(readDb, user.scope, { filters: state.filters, sort: state.sort }),
  };
}

/**
 * The renewal queue of the user's organization in a window of cycle ends (`window` and `today` come
 * with the parsed state); `columns` are in the organization's words.
 */
export function renewalGrid(
  readDb: Kysely<Database>,
  user: SessionUser,
  context: {
    window: { from: string; to: string };
    today: string;
    columns: readonly ColumnDef<RenewalRow>[];
    /** The count when the page already knows it (the status summary's): not counted again. */
    knownCount?: Promise<number>;
  },
): GridDefinition<typeof RENEWAL_FILTERS, RenewalRow> {
  const { window, today } = context;
  return {
    name: "renewals",
    columns: context.columns,
    filterNames: RENEWAL_FILTER_NAMES,
    multiBoard: false,
    async read(state, request) {
      const known = context.knownCount;
      const [page, value] = await Promise.all([
        listRenewals(readDb, user.org.code, { filters: state.filters, sort: state.sort, window, today, ...request }, { count: known === undefined }),
        known,
      ]);
      return { ...page, count: { value: value ?? page.count, exact: true } };
    },
    count: async (state) => ({ value: await (context.knownCount ?? countRenewals(readDb, user.org.code, window, state.filters)), exact: true }),
    stream: (state) => streamRenewals(readDb, user.org.code, { filters: state.filters, window, sort: state.sort, today }),
  };
}
