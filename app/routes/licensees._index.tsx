// Find a licensee, like the program's learner validation tool: any one identifier (a license
// number with its state, a board ID, the NPI) finds a licensee without a name; the names and birth
// date narrow; with no identifier the first and last name are needed. One match, several candidates
// (listed, with what matched), or none. Only licensees in the organization's scope are ever found.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { pageAnswer } from "~/lib/input-status.server";
import { PageHeader } from "~/components/PageHeader";
import { birthMonthDay, learnerIdentifier, namePrefix, npi } from "~/lib/grid";
import { findLicensees, type Candidate, type LicenseeQuery, type MatchedField } from "~/models/licensees.server";
import { type z } from "zod";
import { auditView, viewFilters } from "~/models/view-audit.server";
import { orgWords } from "../../domain/org-words";
import { CERTIFYING_BOARDS, STATE_BOARDS, type OrganisationKind } from "../../domain/reference";

export const meta: MetaFunction = () => [{ title: "Find a licensee · CME Credit Verification" }];

const FIELDS = {
  first: namePrefix,
  last: namePrefix,
  dob: birthMonthDay,
  licence: learnerIdentifier,
  boardId: learnerIdentifier,
  npi,
} as const;
type FieldName = keyof typeof FIELDS | "state" | "board";
const TEXT_FIELDS = Object.keys(FIELDS) as (keyof typeof FIELDS)[];
const FIELD_NAMES: FieldName[] = [...TEXT_FIELDS, "state", "board"];

const FIELD_LABELS: Record<MatchedField, string> = { name: "Name", dob: "Birth date", licence: "License number", boardId: "Board ID", npi: "NPI" };

const STATE_CODES = new Set(STATE_BOARDS.map((b) => b.code));
const CERTIFYING_CODES = new Set(CERTIFYING_BOARDS.map((b) => b.code));

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const params = new URL(request.url).searchParams;
  const values = Object.fromEntries(FIELD_NAMES.map((name) => [name, (params.get(name) ?? "").slice(0, 200)])) as Record<FieldName, string>;
  const errors: Partial<Record<FieldName, string>> = {};
  const parsed: Record<string, unknown> = {};
  for (const name of TEXT_FIELDS) {
    if (!values[name].trim()) continue;
    const result = (FIELDS[name] as z.ZodType).safeParse(values[name]);
    if (result.success) parsed[name] = result.data;
    else errors[name] = result.error.issues[0]?.message ?? "Not a valid value.";
  }
  const kind = user.org.kind as OrganisationKind;
  const query: LicenseeQuery = {
    first: parsed.first as string | undefined,
    last: parsed.last as string | undefined,
    dob: parsed.dob as LicenseeQuery["dob"],
    npi: parsed.npi as string | undefined,
  };
  // A license number is one board's: the state board's own, or (ACCME) the state named with it.
  if (values.licence.trim()) {
    if (kind === "certifying_board") errors.licence ??= "Look diplomates up by board ID or NPI.";
    else if (kind === "state_board" && typeof parsed.licence === "string") query.licence = { boardCode: user.org.code, value: parsed.licence };
    else if (!STATE_CODES.has(values.state)) errors.state = "Choose the state board that issued the license.";
    else if (typeof parsed.licence === "string") query.licence = { boardCode: values.state, value: parsed.licence };
  }
  if (values.boardId.trim()) {
    if (kind === "state_board") errors.boardId ??= "Look licensees up by license number or NPI.";
    else if (kind === "certifying_board" && typeof parsed.boardId === "string") query.boardId = { boardCode: user.org.code, value: parsed.boardId };
    else if (!CERTIFYING_CODES.has(values.board)) errors.board = "Choose the certifying board of the board ID.";
    else if (typeof parsed.boardId === "string") query.boardId = { boardCode: values.board, value: parsed.boardId };
  }
  const asked = TEXT_FIELDS.some((name) => values[name].trim() !== "");
  const identified = ["licence", "boardId", "npi"].some((name) => values[name as FieldName].trim() !== "");
  if (asked && !identified) {
    // Without an identifier, the name is what finds a licensee: both parts, as the program's tool asks.
    const words = orgWords(kind);
    if (!values.first.trim()) errors.first ??= `Enter the first name, or look up by ${words.idLabel} or NPI.`;
    if (!values.last.trim()) errors.last ??= `Enter the last name, or look up by ${words.idLabel} or NPI.`;
  }
  const canSearch = asked && Object.keys(errors).length === 0;
  const result = canSearch ? await findLicensees(context.services.db, user.scope, query) : null;
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

function CandidateTable({ candidates, caption, person }: { candidates: Candidate[]; caption: string; person: string }) {
  return (
    <div className="table-wrap">
      <table className="data-table" data-testid="lookup-candidates">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{person}</th>
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
  const words = orgWords(org.kind as OrganisationKind);
  const describedBy = (name: FieldName, hint?: string) => [hint ? `lookup-${name}-hint` : "", errors[name] ? `lookup-${name}-error` : ""].filter(Boolean).join(" ") || undefined;
  const fieldEnd = (name: FieldName, hint?: string) => (
    <>
      {hint ? (
        <p className="filter-hint" id={`lookup-${name}-hint`}>
          {hint}
        </p>
      ) : null}
      {errors[name] ? (
        <p className="filter-error" id={`lookup-${name}-error`} data-testid={`error-${name}`}>
          {errors[name]}
        </p>
      ) : null}
    </>
  );
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
        aria-describedby={describedBy(name, hint)}
      />
      {fieldEnd(name, hint)}
    </div>
  );
  const choice = (name: "state" | "board", label: string, boards: ReadonlyArray<{ code: string; name: string }>) => (
    <div className="filter-group">
      <label className="filter-label" htmlFor={`lookup-${name}`}>
        {label}
      </label>
      <select id={`lookup-${name}`} name={name} defaultValue={values[name]} aria-invalid={errors[name] ? true : undefined} aria-describedby={describedBy(name)}>
        <option value="">Choose…</option>
        {boards.map((b) => (
          <option key={b.code} value={b.code}>
            {b.name} ({b.code})
          </option>
        ))}
      </select>
      {fieldEnd(name)}
    </div>
  );
  const identifiers = org.kind === "state_board" ? "license number or NPI" : org.kind === "certifying_board" ? "board ID or NPI" : "license number and state, board ID and board, or NPI";
  return (
    <>
      <PageHeader
        eyebrow={words.People}
        title={`Find a ${words.person}`}
        description={`Enter any one identifier (${identifiers}), or the first and last name; add what else you have to narrow the match. Searches ${words.people} with credit reported to ${org.kind === "accreditor" ? "any board" : org.code}.`}
      />
      <Form method="get" className="lookup-form" key={JSON.stringify(values)} aria-label={`Find a ${words.person}`}>
        <div className="lookup-grid">
          {org.kind !== "certifying_board" ? field("licence", "License number") : null}
          {org.kind === "accreditor" ? choice("state", "License state", STATE_BOARDS) : null}
          {org.kind !== "state_board" ? field("boardId", "Board ID") : null}
          {org.kind === "accreditor" ? choice("board", "Certifying board", CERTIFYING_BOARDS) : null}
          {field("npi", "NPI")}
          {field("first", "First name", "Starts with: Rob finds Robert")}
          {field("last", "Last name", "Accents and case ignored")}
          {field("dob", "Birth date (MM/DD)", undefined, "03/17")}
        </div>
        <div className="lookup-actions">
          <button type="submit" className="button button--primary" disabled={navigation.state !== "idle"}>
            {navigation.state !== "idle" ? "Searching…" : `Find ${words.person}`}
          </button>
          <Link to="/licensees">Clear</Link>
        </div>
      </Form>
      {result ? (
        <section aria-live="polite" className="stack section" data-result data-testid="lookup-result" data-outcome={result.outcome}>
          {result.outcome === "one" ? (
            <div className="notice notice--info">
              <strong>One {words.person} matched.</strong>
            </div>
          ) : result.outcome === "several" ? (
            <div className="notice notice--warn">
              <strong>
                {result.matches.length}
                {result.truncated ? "+" : ""} {words.people} matched.
              </strong>{" "}
              Add a birth date, {words.idLabel} or NPI to tell them apart.
            </div>
          ) : (
            <div className="notice notice--warn">
              <strong>No {words.person} matched.</strong>{" "}
              {result.nearMatches.length
                ? `${result.nearMatches.length}${result.truncated ? "+" : ""} ${result.nearMatches.length === 1 ? `${words.person} shares` : `${words.people} share`} part of what you entered but differ in another detail (below).`
                : `Nobody with these details has credit reported to your organization.`}
            </div>
          )}
          {result.matches.length ? <CandidateTable candidates={result.matches} caption={`${words.People} matching every detail`} person={words.Person} /> : null}
          {result.nearMatches.length ? (
            <>
              <h2 className="section-title">Close matches</h2>
              <CandidateTable candidates={result.nearMatches} caption={`${words.People} who differ in another detail`} person={words.Person} />
            </>
          ) : null}
          {result.truncated ? <p className="muted small">Only the first 50 are listed; add details to narrow the search.</p> : null}
        </section>
      ) : null}
    </>
  );
}
