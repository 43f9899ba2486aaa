// Find a licensee: what a reviewer has (first and last name, plus any of birth MM/DD, licence id,
// NPI, board id) answered like the programme's learner validation tool: one match, several
// candidates (listed, with what matched), or none. Only licensees in the board's scope.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { pageAnswer } from "~/lib/input-status.server";
import { PageHeader } from "~/components/PageHeader";
import { birthMonthDay, learnerIdentifier, namePrefix, npi } from "~/lib/grid";
import { findLicensees, type Candidate, type LicenseeQuery, type MatchedField } from "~/models/licensees.server";
import { type z } from "zod";
import { auditView, viewFilters } from "~/models/view-audit.server";

export const meta: MetaFunction = () => [{ title: "Find a licensee · CME Credit Verification" }];

const FIELDS = {
  first: namePrefix,
  last: namePrefix,
  dob: birthMonthDay,
  licence: learnerIdentifier,
  boardId: learnerIdentifier,
  npi,
} as const;
type FieldName = keyof typeof FIELDS;
const FIELD_NAMES = Object.keys(FIELDS) as FieldName[];

const FIELD_LABELS: Record<MatchedField, string> = { name: "Name", dob: "Birth date", licence: "License number", boardId: "Board ID", npi: "NPI" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const params = new URL(request.url).searchParams;
  const values = Object.fromEntries(FIELD_NAMES.map((name) => [name, (params.get(name) ?? "").slice(0, 200)])) as Record<FieldName, string>;
  const errors: Partial<Record<FieldName, string>> = {};
  const parsed: Record<string, unknown> = {};
  for (const name of FIELD_NAMES) {
    if (!values[name].trim()) continue;
    const result = (FIELDS[name] as z.ZodType).safeParse(values[name]);
    if (result.success) parsed[name] = result.data;
    else errors[name] = result.error.issues[0]?.message ?? "Not a valid value.";
  }
  const asked = FIELD_NAMES.some((name) => values[name].trim() !== "");
  if (asked) {
    if (!values.first.trim()) errors.first ??= "Enter the first name.";
    if (!values.last.trim()) errors.last ??= "Enter the last name.";
  }
  const canSearch = asked && Object.keys(errors).length === 0;
  const result = canSearch ? await findLicensees(context.services.db, user.scope, parsed as unknown as LicenseeQuery) : null;
  // Only a lookup shows licensees: the empty form is not a view of anyone.
  if (result) auditView(context, user, { action: "lookup.view", detail: { filters: viewFilters(params), outcome: result.outcome }, rows: result.matches.length + result.nearMatches.length });
  return pageAnswer({ org: user.org, values, errors, result }, errors);
}

function CandidateRow({ candidate }: { candidate: Candidate }) {
  return (
    <tr>
      <th scope="row">
        <Link to={`/licensees/${candidate.id}`}>
          {candidate.lastName}, {candidate.firstName}
        </Link>
      </th>
      <td>{candidate.birthDate}</td>
      <td className="mono">{candidate.npi ?? "—"}</td>
      <td>
        {candidate.identifiers.length
          ? candidate.identifiers.map((i) => (
              <span key={`${i.boardCode}-${i.value}`} className="sub">
                <span className="code">{i.boardCode}</span>
                <span className="mono">{i.value}</span>
              </span>
            ))
          : "—"}
      </td>
      <td>
        <span className="flags">
          {candidate.checks.map((c) => (
            <span key={c.field} className={c.matched ? "badge badge--ok" : "badge badge--error"}>
              {c.matched ? "✓" : "✗"} {FIELD_LABELS[c.field]}
            </span>
          ))}
        </span>
      </td>
    </tr>
  );
}

function CandidateTable({ candidates, caption }: { candidates: Candidate[]; caption: string }) {
  return (
    <div className="table-wrap">
      <table className="data-table" data-testid="lookup-candidates">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Licensee</th>
            <th scope="col">Birth date</th>
            <th scope="col">NPI</th>
            <th scope="col">License / board ID</th>
            <th scope="col">What matched</th>
          </tr>
        </thead>
        <tbody>
          {candidates.map((c) => (
            <CandidateRow key={c.id} candidate={c} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function FindLicensee() {
  const { org, values, errors, result } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const field = (name: FieldName, label: string, hint?: string, placeholder?: string) => (
    <div className="filter-group">
      <label className="filter-label" htmlFor={`lookup-${name}`}>
        {label}
      </label>
      <input
        id={`lookup-${name}`}
        name={name}
        type="text"
        defaultValue={values[name]}
        placeholder={placeholder}
        autoComplete="off"
        aria-invalid={errors[name] ? true : undefined}
        aria-describedby={errors[name] ? `lookup-${name}-error` : undefined}
      />
      {hint ? <p className="filter-hint">{hint}</p> : null}
      {errors[name] ? (
        <p className="filter-error" id={`lookup-${name}-error`} data-testid={`error-${name}`}>
          {errors[name]}
        </p>
      ) : null}
    </div>
  );
  return (
    <>
      <PageHeader
        eyebrow="Licensees"
        title="Find a licensee"
        description={`Enter the first and last name and anything else you have. The more you give, the more likely a single match. Searches licensees with credit reported to ${org.kind === "accreditor" ? "any board" : org.code}.`}
      />
      <Form method="get" className="lookup-form" key={JSON.stringify(values)} aria-label="Find a licensee">
        <div className="lookup-grid">
          {field("first", "First name *", "Starts with: Rob finds Robert")}
          {field("last", "Last name *", "Accents and case ignored")}
          {field("dob", "Birth date (MM/DD)", undefined, "03/17")}
          {org.kind !== "certifying_board" ? field("licence", "License number") : null}
          {org.kind !== "state_board" ? field("boardId", "Board ID") : null}
          {field("npi", "NPI")}
        </div>
        <div className="lookup-actions">
          <button type="submit" className="button button--primary" disabled={navigation.state !== "idle"}>
            {navigation.state !== "idle" ? "Searching…" : "Find licensee"}
          </button>
          <Link to="/licensees">Clear</Link>
        </div>
      </Form>
      {result ? (
        <section aria-live="polite" className="stack section" data-result data-testid="lookup-result" data-outcome={result.outcome}>
          {result.outcome === "one" ? (
            <div className="notice notice--info">
              <strong>One licensee matched.</strong>
            </div>
          ) : result.outcome === "several" ? (
            <div className="notice notice--warn">
              <strong>{result.matches.length}{result.truncated ? "+" : ""} licensees matched.</strong> Add a birth date, license number, board ID or NPI to tell them apart.
            </div>
          ) : (
            <div className="notice notice--warn">
              <strong>No licensee matched.</strong>{" "}
              {result.nearMatches.length
                ? `${result.nearMatches.length}${result.truncated ? "+" : ""} licensee${result.nearMatches.length === 1 ? " has" : "s have"} this name but differ in the other details (below).`
                : "Nobody with this name has credit reported to your organization."}
            </div>
          )}
          {result.matches.length ? <CandidateTable candidates={result.matches} caption="Licensees matching every detail" /> : null}
          {result.nearMatches.length ? (
            <>
              <h2 className="section-title">Licensees with this name</h2>
              <CandidateTable candidates={result.nearMatches} caption="Licensees with this name who differ in another detail" />
            </>
          ) : null}
          {result.truncated ? <p className="muted small">Only the first 50 are listed; add details to narrow the search.</p> : null}
        </section>
      ) : null}
    </>
  );
}
