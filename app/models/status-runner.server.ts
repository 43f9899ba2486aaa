// The renewal statuses' background evaluation: pages read stored statuses only, and this runner keeps
// them current. It evaluates an organisation after each analytics sync, after a rule change, a roster
// upload, a withdrawal or a link by hand, and at the day's turn; one organisation at a time, in the
// order asked (an organisation asked for again while it waits is evaluated once), through its own
// small pool so it cannot take the pages' connections, and under the organisation's row scope,
// exactly as a request of that organisation. A failure is logged, and the next trigger tries again.
// Before evaluating, it matches the roster's unmatched entries again when the store has moved (new
// learners may have appeared) or the day has turned. docs/decisions/026-background-statuses-and-roster-life-cycle.md.
import { sql, type Kysely } from "kysely";
import { rowScopeFor, scopeForOrganisation } from "../auth/scope.server";
import { runWithRowScope } from "../../db/row-scope";
import type { Database } from "../../db/schema";
import { refreshRosterStatuses, type RefreshOptions } from "./renewals.server";
import { organisationToday } from "../../domain/reference";
import { rematchUnmatchedEntries } from "./rosters.server";

export type StatusTrigger = "start-up" | "sync" | "rules" | "upload" | "withdraw" | "link" | "attributes" | "decision" | "day" | "asked";

export interface StatusRunnerLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface StatusRunnerOptions {
  /** The runner's own pool (a couple of connections), never the pages'. */
  db: Kysely<Database>;
  logger: StatusRunnerLogger;
  /** Timers at the day's turn (false in tests and benches: the runner runs only when asked). */
  schedule?: boolean;
  /** The organisation's "today" (default: its own date in its time zone). */
  today?: (orgCode: string) => string;
  refresh?: Omit<RefreshOptions, "asOf">;
}

/** What a page says about its statuses: when computed, and whether an evaluation is waiting or running. */
export interface StatusFreshness {
  computedAt: string | null;
  updating: boolean;
}

const BOARD_KINDS = ["state_board", "certifying_board"];

/** The runner's pool: one evaluation at a time needs one connection, and a second for its reads. */
export const STATUS_POOL = { connections: 2, name: "cme-renewal-statuses" } as const;

export class RenewalStatusRunner {
  /** Organisations waiting, with what asked for each (in the order first asked). */
  private readonly waiting = new Map<string, Set<StatusTrigger>>();
  private running: string | null = null;
  /** requestAll calls still listing the organisations (idle() waits for them too). */
  private listing = 0;
  private loop: Promise<void> | null = null;
  private idleWaiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** The store's head (the board's highest change) when the roster was last matched again. */
  private readonly rematchedAt = new Map<string, string>();
  /** Runs completed and failed, for tests and the log. */
  readonly counts = { runs: 0, failures: 0 };

  constructor(private readonly options: StatusRunnerOptions) {}

  /** Evaluates every board now, then (with `schedule`) again at each day's turn. */
  start(): void {
    this.requestAll("start-up").catch((error: unknown) => this.options.logger.error({ error: String(error) }, "renewal statuses: listing the organizations"));
    if (this.options.schedule) {
      // Note each board's date now, so the first hourly look sees a day that turned since start-up.
      this.turnDays().catch((error: unknown) => this.options.logger.error({ error: String(error) }, "renewal statuses: the day's turn"));
      this.scheduleDayTurn();
    }
  }

  /** Asks for an evaluation of one organisation (returns at once; `idle()` waits for it). */
  request(orgCode: string, trigger: StatusTrigger): void {
    if (this.stopped) return;
    const triggers = this.waiting.get(orgCode) ?? new Set();
    triggers.add(trigger);
    this.waiting.set(orgCode, triggers);
    this.kick();
  }

  /** Asks for an evaluation of every board. */
  async requestAll(trigger: StatusTrigger): Promise<void> {
    this.listing++;
    try {
      const orgs = await this.options.db.selectFrom("board.organisation").select("code").where("kind", "in", BOARD_KINDS).orderBy("code").execute();
      for (const org of orgs) this.request(org.code, trigger);
    } finally {
      this.listing--;
      this.settle();
    }
  }

  /** Whether an evaluation of the organisation is waiting or running. */
  isUpdating(orgCode: string): boolean {
    return this.running === orgCode || this.waiting.has(orgCode);
  }

  /** Resolves once nothing waits and nothing runs (tests wait on it instead of sleeping). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return !this.loop && this.waiting.size === 0 && this.listing === 0;
  }

  private settle(): void {
    if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Stops the timer and drops what waits; the running evaluation finishes (its transaction commits or rolls back whole). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.waiting.clear();
    await this.loop;
    this.settle();
  }

  private kick(): void {
    if (this.loop) return;
    this.loop = this.drain().finally(() => {
      this.loop = null;
      if (this.waiting.size > 0 && !this.stopped) this.kick();
      else this.settle();
    });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const next = this.waiting.entries().next();
      if (next.done) return;
      const [orgCode, triggers] = next.value;
      this.waiting.delete(orgCode);
      this.running = orgCode;
      const started = Date.now();
      try {
        const result = await this.evaluate(orgCode, triggers);
        this.counts.runs++;
        if (result.evaluated > 0 || result.rematched > 0) {
          this.options.logger.info({ org: orgCode, triggers: [...triggers], ...result, ms: Date.now() - started }, "renewal statuses computed");
        }
      } catch (error) {
        // Logged, never thrown: the next trigger (a sync, the day's turn, a change) tries again.
        this.counts.failures++;
        this.options.logger.error({ org: orgCode, triggers: [...triggers], error: String(error) }, "renewal statuses: evaluation failed; retried on the next trigger");
      } finally {
        this.running = null;
      }
    }
  }

  private async evaluate(orgCode: string, triggers: Set<StatusTrigger>): Promise<{ evaluated: number; rematched: number }> {
    const { db } = this.options;
    const org = await db.selectFrom("board.organisation").select(["code", "kind"]).where("code", "=", orgCode).executeTakeFirst();
    if (!org || !BOARD_KINDS.includes(org.kind)) return { evaluated: 0, rematched: 0 };
    const today = (this.options.today ?? organisationToday)(orgCode);
    return runWithRowScope(rowScopeFor(scopeForOrganisation(org)), async () => {
      // New learners reach the store with their records (or licences): match the unmatched entries
      // again when the board's records moved, at start-up and at the day's turn.
      const head = await sql<{ seq: string }>`select coalesce(max(change_seq), 0)::text as seq from learner.credit_report`.execute(db);
      const seq = head.rows[0]?.seq ?? "0";
      let rematched = 0;
      if (triggers.has("day") || triggers.has("start-up") || this.rematchedAt.get(orgCode) !== seq) {
        rematched = (await rematchUnmatchedEntries(db, orgCode)).matched;
        this.rematchedAt.set(orgCode, seq);
      }
      const { evaluated } = await refreshRosterStatuses(db, orgCode, { ...this.options.refresh, asOf: today });
      return { evaluated, rematched };
    });
  }

  /**
   * The day's turn is each organization's own midnight (California turns three hours after New
   * York): every hour, on the hour, the boards whose own date changed since the last look are
   * evaluated again. US and territory time zones are whole hours from UTC.
   */
  private scheduleDayTurn(): void {
    if (this.stopped) return;
    const now = Date.now();
    const nextHour = Math.floor(now / 3_600_000) * 3_600_000 + 3_600_000;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.turnDays().catch((error: unknown) => this.options.logger.error({ error: String(error) }, "renewal statuses: the day's turn"));
      this.scheduleDayTurn();
    }, nextHour - now + 1_000);
    this.timer.unref();
  }

  /** Each board's date when the day-turn check last looked. */
  private readonly lastDay = new Map<string, string>();

  private async turnDays(): Promise<void> {
    this.listing++;
    try {
      const orgs = await this.options.db.selectFrom("board.organisation").select("code").where("kind", "in", BOARD_KINDS).orderBy("code").execute();
      for (const { code } of orgs) {
        const day = (this.options.today ?? organisationToday)(code);
        const last = this.lastDay.get(code);
        this.lastDay.set(code, day);
        if (last !== undefined && last !== day) this.request(code, "day");
      }
    } finally {
      this.listing--;
      this.settle();
    }
  }
}

/** When the organisation's statuses were computed, and whether they are being updated. */
export async function statusFreshness(db: Kysely<Database>, runner: Pick<RenewalStatusRunner, "isUpdating">, orgCode: string): Promise<StatusFreshness> {
  const [mark, pending] = await Promise.all([
    db.selectFrom("board.roster_watermark").select(sql<Date | null>`computed_at`.as("computed_at")).where("org_code", "=", orgCode).executeTakeFirst(),
    db.selectFrom("board.roster_entry").select("id").where("org_code", "=", orgCode).where("status", "=", "pending").where("retired_at", "is", null).limit(1).executeTakeFirst(),
  ]);
  return { computedAt: mark?.computed_at ? mark.computed_at.toISOString() : null, updating: runner.isUpdating(orgCode) || pending !== undefined };
}

/** What a page hands StatusFreshness: the stored freshness and the time of the answer. */
export async function statusFreshnessView(db: Kysely<Database>, runner: Pick<RenewalStatusRunner, "isUpdating">, orgCode: string) {
  return { ...(await statusFreshness(db, runner, orgCode)), now: new Date().toISOString() };
}
