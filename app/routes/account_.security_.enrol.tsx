// Enrolment a required second factor forces (decision 031): a user of an organization that requires
// one and has none reaches only this page (app/auth/permissions.server.ts sends every other page
// here) until they add a passkey or an authenticator app; then their recovery codes, shown once,
// and on to where they were going.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { handleFactorForm, type FactorFormResult } from "~/auth/second-factor-forms.server";
import { relyingPartyFor } from "~/auth/second-factor.server";
import { safeRedirectTarget } from "~/auth/session.server";
import { PageHeader } from "~/components/PageHeader";
import { AddFactorCards, RecoveryCodes } from "~/components/SecondFactorSetup";
import { readFormFields } from "~/lib/request-form.server";

export const meta: MetaFunction = () => [{ title: "Add a second factor · CME Credit Verification" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { enrolment: true });
  return {
    mustEnrol: user.mustEnrol === true,
    orgName: user.org.name,
    passkeysAvailable: relyingPartyFor(context.services.secondFactor.relyingParty, request) !== null,
    continueTo: safeRedirectTarget(new URL(request.url).searchParams.get("redirectTo")),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request, { enrolment: true });
  const fields = await readFormFields(request);
  const { result, status } = await handleFactorForm(context, request, user, fields, { enrolment: true });
  return data<FactorFormResult>(result, { status });
}

export default function Enrol() {
  const { mustEnrol, orgName, passkeysAvailable, continueTo } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  if (result?.intent === "added" || !mustEnrol) {
    return (
      <>
        <PageHeader eyebrow="Sign-in security" title="Your second factor is set up" description="From now on you are asked for it after your password when you sign in." />
        {result?.intent === "added" && result.recoveryCodes ? <RecoveryCodes codes={result.recoveryCodes} /> : null}
        <p className="section">
          <Link to={continueTo} className="button button--primary">
            Continue
          </Link>
        </p>
      </>
    );
  }
  return (
    <>
      <PageHeader
        eyebrow="Sign-in security"
        title="Add a second factor to continue"
        description={`${orgName} requires a second factor for everyone who signs in. Add a passkey or an authenticator app; it takes a minute.`}
      />
      <AddFactorCards available={passkeysAvailable} result={result} />
      <Form method="post" action="/logout" className="section muted small">
        Cannot add one now?{" "}
        <button type="submit" className="link-button">
          Sign out
        </button>{" "}
        and come back when you have your phone or security key.
      </Form>
    </>
  );
}
