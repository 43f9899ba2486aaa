// Random audit samples: draw N or N% of the cohort whose cycle ends in a window, with a recorded seed
// so anyone can repeat the draw; every draw is kept and audited.
import { randomBytes } from "node:crypto";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { BOARD_KINDS, requireUser } from "~/auth/permissions.server";
import { PageHeader } from "~/components/PageHeader";
import { formatCount, formatDate } from "~/lib/format";
import { fieldErrors, type FieldErrors } from "~/lib/forms";
import { dateRangeError, isoDate } from "~/lib/grid";
import { drawAuditSample, listAuditSamples } from "~/models/decisions.server";
import { renewalState } from "~/models/renewal-page.server";
import { readFormFields } from "~/lib/request-form.server";
import { DateTime } from "~/components/DateTime";

export const meta: MetaFunction = () => [{ title: "Audit samples · Renewals · CME Credit Verification" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { kinds: BOARD_KINDS });
  const { db } = context.services;
  const { state } = await renewalState(db, user, new URL(request.url).searchParams);
  const samples = await listAuditSamples(db, user.org.code);
  return { window: state.window, samples: samples.map((s) => ({ ...s, drawnAt: s.drawnAt.toISOString(), drawn: s.entryIds.length, entryIds: [] })) };
}

const SampleForm = z
  .object({
    endFrom: isoDate,
    endTo: isoDate,
    size: z
      .string()
      .trim()
      .regex(/^(\d{1,6}|\d{1,2}(\.\d{1,2})?%|100%)$/, "Enter a number of licensees (e.g. 25) or a percentage (e.g. 5%)."),
    seed: z
      .string()
      .trim()
      .max(64, "Keep the seed under 64 characters.")
      .regex(/^[A-Za-z0-9_.:-]*$/, "Use letters, digits, dots, colons, hyphens or underscores in the seed."),
  })
  .superRefine((v, ctx) => {
    const problem = dateRangeError(v.endFrom, v.endTo);
    if (problem) ctx.addIssue({ code: "custom", path: ["endTo"], message: problem });
    if (v.size.endsWith("%") ? Number(v.size.slice(0, -1)) <= 0 : Number(v.size) <= 0) ctx.addIssue({ code: "custom", path: ["size"], message: "Draw at least one licensee." });
  });

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request, { kinds: BOARD_KINDS });
  const { db } = context.services;
  await renewalState(db, user, new URLSearchParams());
  const parsed = SampleForm.safeParse(await readFormFields(request));
  if (!parsed.success) return data<{ errors: FieldErrors }>({ errors: fieldErrors(parsed.error) }, { status: 400 });
  const { endFrom, endTo, size, seed } = parsed.data;
  const sample = await drawAuditSample(db, { id: user.id, role: user.role, orgCode: user.org.code, ip: context.clientIp }, {
    window: { from: endFrom, to: endTo },
    size: size.endsWith("%") ? { kind: "percent", percent: Number(size.slice(0, -1)) } : { kind: "count", n: Number(size) },
    // No seed given: a random one, recorded with the draw so it can be repeated.
    seed: seed || randomBytes(8).toString("hex"),
  });
  throw redirect(`/renewals/samples/${sample.id}`);
}

export default function AuditSamples() {
  const { window, samples } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const errors = result?.errors ?? {};
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/renewals">Renewal queue</Link> / Audit samples
      </nav>
      <PageHeader
        eyebrow="Renewal verification"
        title="Random audit samples"
        description="Draw licensees at random from a renewal cohort for a full audit. The seed makes the draw reproducible: the same seed over the same cohort always draws the same licensees."
      />
      <Form method="post" className="form card" aria-labelledby="draw-title" noValidate>
        <h2 id="draw-title">Draw a sample</h2>
        <div className="form__row">
          <label className="field">
            <span className="field__label">Cycle ends from</span>
            <input type="date" name="endFrom" defaultValue={window.from} aria-invalid={Boolean(errors.endFrom) || undefined} />
            {errors.endFrom ? <span className="field__error">{errors.endFrom}</span> : null}
          </label>
          <label className="field">
            <span className="field__label">to</span>
            <input type="date" name="endTo" defaultValue={window.to} aria-invalid={Boolean(errors.endTo) || undefined} />
            {errors.endTo ? <span className="field__error">{errors.endTo}</span> : null}
          </label>
          <label className="field">
            <span className="field__label">How many</span>
            <input name="size" defaultValue="5%" inputMode="text" aria-describedby="size-hint" aria-invalid={Boolean(errors.size) || undefined} />
            <span className="field__hint" id="size-hint">
              A number (25) or a share of the cohort (5%)
            </span>
            {errors.size ? (
              <span className="field__error" data-testid="error-size">
                {errors.size}
              </span>
            ) : null}
          </label>
          <label className="field">
            <span className="field__label">Seed (optional)</span>
            <input name="seed" aria-describedby="seed-hint" aria-invalid={Boolean(errors.seed) || undefined} />
            <span className="field__hint" id="seed-hint">
              Leave empty for a random seed; it is recorded either way
            </span>
            {errors.seed ? <span className="field__error">{errors.seed}</span> : null}
          </label>
        </div>
        <button type="submit" className="button button--primary" disabled={navigation.state === "submitting"}>
          Draw sample
        </button>
      </Form>
      <section className="stack" aria-labelledby="drawn-title">
        <h2 id="drawn-title" className="section-title">
          Samples drawn
        </h2>
        {samples.length === 0 ? (
          <p className="empty-state">No sample drawn yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Audit samples drawn by your organization</caption>
              <thead>
                <tr>
                  <th scope="col">Drawn</th>
                  <th scope="col">By</th>
                  <th scope="col">Cycle ends</th>
                  <th scope="col">Asked for</th>
                  <th scope="col" className="num">
                    Drawn / cohort
                  </th>
                  <th scope="col">Seed</th>
                </tr>
              </thead>
              <tbody>
                {samples.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <Link to={`/renewals/samples/${s.id}`}><DateTime value={s.drawnAt} /></Link>
                    </td>
                    <td>{s.drawnBy}</td>
                    <td>
                      {formatDate(s.cycleFrom)} – {formatDate(s.cycleTo)}
                    </td>
                    <td>{s.requested}</td>
                    <td className="num">
                      {formatCount(s.drawn)} / {formatCount(s.cohortSize)}
                    </td>
                    <td className="mono">{s.seed}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
