// The analytics reports' numbers computed independently, in plain SQL on PostgreSQL over the
// learner store itself (not the snapshot, not the app's query code). Integration tests compare
// every report with these; the bench times them beside the DuckDB reports ("the same aggregate on
// PostgreSQL"). Filters are given plainly: boards (null = all), submission days, provider, formats.
import type pg from "pg";

export interface ReferenceFilters {
  /** Board codes in scope; null: every board (ACCME). */
  boards: readonly string[] | null;
  /** Submitted on or after this UTC day (YYYY-MM-DD). */
  from: string;
  /** Submitted on or before this UTC day. */
  to: string;
  /** A 7-digit provider id. */
  provider?: string;
  formats?: readonly string[];
  minRecords: number;
}

type Queryable = Pick<pg.Client, "query">;

/** The WHERE clause over credit_report cr joined to activity a, and its parameters. */
function where(f: ReferenceFilters): { text: string; values: unknown[] } {
  const values: unknown[] = [f.from, f.to];
  const parts = [
    "cr.deleted_at is null",
    "cr.submitted_at >= ($1::date)::timestamp at time zone 'UTC'",
    "cr.submitted_at < ($2::date + 1)::timestamp at time zone 'UTC'",
  ];
  if (f.boards !== null) {
    values.push([...f.boards]);
    parts.push(`cr.board_code = any($${values.length}::text[])`);
  }
  if (f.provider) {
    values.push(f.provider);
    parts.push(`a.provider_id = $${values.length}`);
  }
  if (f.formats?.length) {
    values.push([...f.formats]);
    parts.push(`a.format = any($${values.length}::text[])`);
  }
  return { text: parts.join(" and "), values };
}

const FROM = "learner.credit_report cr join learner.activity a on a.id = cr.activity_id";
const MONTH = "to_char(cr.submitted_at at time zone 'UTC', 'YYYY-MM')";
const LAG = "((cr.submitted_at at time zone 'UTC')::date - cr.completion_date)";

async function rows<T extends pg.QueryResultRow>(db: Queryable, text: string, values: unknown[]): Promise<T[]> {
  return (await db.query<T>(text, values)).rows;
}

const n = (v: string | number | null) => (v === null ? null : Number(v));

export async function timelinessReference(db: Queryable, f: ReferenceFilters) {
  const w = where(f);
  const [totals] = await rows<{ records: string; late: string; median: string | null }>(
    db,
    `select count(*) as records, count(*) filter (where ${LAG} > 30) as late,
            percentile_cont(0.5) within group (order by ${LAG}) as median
     from ${FROM} where ${w.text}`,
    w.values,
  );
  const monthly = await rows<{ month: string; records: string; late: string }>(
    db,
    `select ${MONTH} as month, count(*) as records, count(*) filter (where ${LAG} > 30) as late
     from ${FROM} where ${w.text} group by 1 order by 1`,
    w.values,
  );
  const bands = await rows<{ band: string; records: string }>(
    db,
    `select case when ${LAG} < 0 then 'early' when ${LAG} <= 7 then '0-7' when ${LAG} <= 30 then '8-30'
                 when ${LAG} <= 60 then '31-60' when ${LAG} <= 90 then '61-90' else 'over-90' end as band, count(*) as records
     from ${FROM} where ${w.text} group by 1`,
    w.values,
  );
  const providers = await rows<{ provider_id: string; name: string; records: string; late: string; median: string }>(
    db,
    `select a.provider_id, p.name, count(*) as records, count(*) filter (where ${LAG} > 30) as late,
            percentile_cont(0.5) within group (order by ${LAG}) as median
     from ${FROM} join learner.provider p on p.id = a.provider_id
     where ${w.text} group by a.provider_id, p.name having count(*) >= ${Number(f.minRecords)}
     order by count(*) filter (where ${LAG} > 30)::numeric / count(*) desc, 4 desc, 3 desc, a.provider_id`,
    w.values,
  );
  return {
    totals: { records: Number(totals!.records), late: Number(totals!.late), median: n(totals!.median) },
    monthly: monthly.map((m) => ({ month: m.month, records: Number(m.records), late: Number(m.late) })),
    bands: Object.fromEntries(bands.map((b) => [b.band, Number(b.records)])) as Record<string, number>,
    providers: providers.map((p) => ({ id: p.provider_id, name: p.name, records: Number(p.records), late: Number(p.late), median: Number(p.median) })),
  };
}

export async function volumeReference(db: Queryable, f: ReferenceFilters) {
  const w = where(f);
  const [totals] = await rows<{ records: string; accepted: string; credits: string; providers: string }>(
    db,
    `select count(*) as records, count(*) filter (where cr.status = 'accepted') as accepted,
            coalesce(sum(cr.credits) filter (where cr.status = 'accepted'), 0) as credits, count(distinct a.provider_id) as providers
     from ${FROM} where ${w.text}`,
    w.values,
  );
  const byMonthMethod = await rows<{ month: string; entry_method: string; records: string; accepted: string; credits: string }>(
    db,
    `select ${MONTH} as month, cr.entry_method, count(*) as records, count(*) filter (where cr.status = 'accepted') as accepted,
            coalesce(sum(cr.credits) filter (where cr.status = 'accepted'), 0) as credits
     from ${FROM} where ${w.text} group by 1, 2 order by 1, 2`,
    w.values,
  );
  const byFormat = await rows<{ format: string; records: string; credits: string }>(
    db,
    `select a.format, count(*) as records, coalesce(sum(cr.credits) filter (where cr.status = 'accepted'), 0) as credits
     from ${FROM} where ${w.text} group by 1 order by 1`,
    w.values,
  );
  return {
    totals: { records: Number(totals!.records), accepted: Number(totals!.accepted), credits: Number(totals!.credits), providers: Number(totals!.providers) },
    byMonthMethod: byMonthMethod.map((r) => ({ month: r.month, method: r.entry_method, records: Number(r.records), accepted: Number(r.accepted), credits: Number(r.credits) })),
    byFormat: byFormat.map((r) => ({ format: r.format, records: Number(r.records), credits: Number(r.credits) })),
  };
}

const CERTIFYING = ["ABA", "ABIM", "ABO", "ABOHNS", "ABPATH", "ABP", "ABS"];

export async function creditMixReference(db: Queryable, f: ReferenceFilters) {
  const w = where(f);
  const kind = `case when cr.board_code = any('{${CERTIFYING.join(",")}}'::text[]) then 'moc' else 'topic' end`;
  const totals = await rows<{ kind: string; records: string; credits: string }>(
    db,
    `select ${kind} as kind, count(*) as records, sum(cr.credits) as credits
     from ${FROM} where ${w.text} and cr.status = 'accepted' group by 1 order by 1`,
    w.values,
  );
  const types = await rows<{ kind: string; credit_type: string; records: string; credits: string }>(
    db,
    `select ${kind} as kind, e.key as credit_type, count(*) as records, sum(e.value::numeric) as credits
     from ${FROM} cross join lateral jsonb_each_text(cr.credit_types) e
     where ${w.text} and cr.status = 'accepted' group by 1, 2 order by 1, 2`,
    w.values,
  );
  const carrying = await rows<{ kind: string; records: string }>(
    db,
    `select ${kind} as kind, count(*) as records from ${FROM}
     where ${w.text} and cr.status = 'accepted' and cr.credit_types <> '{}' group by 1 order by 1`,
    w.values,
  );
  const monthly = await rows<{ month: string; kind: string; credit_type: string; credits: string }>(
    db,
    `select ${MONTH} as month, ${kind} as kind, e.key as credit_type, sum(e.value::numeric) as credits
     from ${FROM} cross join lateral jsonb_each_text(cr.credit_types) e
     where ${w.text} and cr.status = 'accepted' group by 1, 2, 3 order by 1, 2, 3`,
    w.values,
  );
  return {
    totals: totals.map((t) => ({ kind: t.kind, records: Number(t.records), credits: Number(t.credits) })),
    types: types.map((t) => ({ kind: t.kind, type: t.credit_type, records: Number(t.records), credits: Number(t.credits) })),
    carrying: Object.fromEntries(carrying.map((c) => [c.kind, Number(c.records)])) as Record<string, number>,
    monthly: monthly.map((m) => ({ month: m.month, key: `${m.kind}:${m.credit_type}`, credits: Number(m.credits) })),
  };
}

export async function rejectionsReference(db: Queryable, f: ReferenceFilters) {
  const w = where(f);
  const monthly = await rows<{ month: string; records: string; rejected: string }>(
    db,
    `select ${MONTH} as month, count(*) as records, count(*) filter (where cr.status = 'rejected') as rejected
     from ${FROM} where ${w.text} group by 1 order by 1`,
    w.values,
  );
  const reasons = await rows<{ month: string; reason: string; records: string }>(
    db,
    `select ${MONTH} as month, cr.rejection_reason as reason, count(*) as records
     from ${FROM} where ${w.text} and cr.status = 'rejected' group by 1, 2 order by 1, 2`,
    w.values,
  );
  const providers = await rows<{ provider_id: string; name: string; records: string; rejected: string; top_reason: string | null }>(
    db,
    `with per_reason as (
       select a.provider_id, cr.rejection_reason, count(*) as n,
              row_number() over (partition by a.provider_id order by count(*) desc, cr.rejection_reason) as pick
       from ${FROM} where ${w.text} and cr.status = 'rejected' group by 1, 2
     )
     select a.provider_id, p.name, count(*) as records, count(*) filter (where cr.status = 'rejected') as rejected,
            (select rejection_reason from per_reason r where r.provider_id = a.provider_id and r.pick = 1) as top_reason
     from ${FROM} join learner.provider p on p.id = a.provider_id
     where ${w.text} group by a.provider_id, p.name having count(*) >= ${Number(f.minRecords)}
     order by count(*) filter (where cr.status = 'rejected')::numeric / count(*) desc, 4 desc, 3 desc, a.provider_id`,
    w.values,
  );
  return {
    monthly: monthly.map((m) => ({ month: m.month, records: Number(m.records), rejected: Number(m.rejected) })),
    reasons: reasons.map((r) => ({ month: r.month, reason: r.reason, records: Number(r.records) })),
    providers: providers.map((p) => ({ id: p.provider_id, name: p.name, records: Number(p.records), rejected: Number(p.rejected), topReason: p.top_reason })),
  };
}
