// Type the verification code printed on a transcript: the form sends it to /verify/<code>.
import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { PageHeader } from "~/components/PageHeader";
import { pageAnswer } from "~/lib/input-status.server";
import { formatCode, normaliseCode } from "~/lib/transcript-code";

export const meta: MetaFunction = () => [{ title: "Verify a transcript · CME Credit Verification" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(context, request);
  const typed = (new URL(request.url).searchParams.get("code") ?? "").slice(0, 100);
  if (!typed.trim()) return pageAnswer({ typed: "", error: null as string | null }, 0);
  const code = normaliseCode(typed);
  if (code) throw redirect(`/verify/${formatCode(code)}`);
  const error = "A verification code is 12 letters and digits, printed as three groups of four (for example 7K3M-Q9XZ-2HRT).";
  return pageAnswer({ typed, error }, 1);
}

export default function VerifyForm() {
  const { typed, error } = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader eyebrow="Transcripts" title="Verify a transcript" description="Enter the verification code printed on an official transcript your organization issued, to see whether it is authentic and whether the records behind it have changed since." />
      <Form method="get" className="lookup-form" aria-label="Verify a transcript">
        <div className="filter-group">
          <label className="filter-label" htmlFor="verify-code">
            Verification code
          </label>
          <input id="verify-code" name="code" type="text" defaultValue={typed} autoComplete="off" spellCheck={false} placeholder="XXXX-XXXX-XXXX" aria-invalid={error ? true : undefined} aria-describedby={error ? "verify-code-error" : undefined} />
          {error ? (
            <p className="filter-error" id="verify-code-error" role="alert">
              {error}
            </p>
          ) : null}
        </div>
        <div className="lookup-actions">
          <button type="submit" className="button button--primary">
            Verify
          </button>
        </div>
      </Form>
    </>
  );
}
