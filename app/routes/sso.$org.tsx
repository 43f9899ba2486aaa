// Starts a sign-in at an organization's own identity provider (decision 032): a plain link from the
// sign-in page, so the redirect to the provider is a navigation, not a form submission the
// form-action policy would stop. Signed-in visitors go straight on.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { getSessionUser, safeRedirectTarget } from "~/auth/session.server";
import { startSso } from "~/auth/sso.server";
import { SignInProblem } from "~/components/SignInProblem";

export const meta: MetaFunction = () => [{ title: "Sign in with your organization · CME Credit Verification" }];

/** An organization code as a URL carries it ("ca-m"); anything else is not an organization. */
const ORG_CODE = /^[A-Za-z0-9-]{1,20}$/;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const redirectTo = safeRedirectTarget(url.searchParams.get("redirectTo"));
  if (await getSessionUser(context, request)) throw redirect(redirectTo);
  const notOffered = {
    message: "This organization does not offer sign-in with its own account here.",
  };
  if (!params.org || !ORG_CODE.test(params.org)) return data(notOffered, { status: 404 });
  const { db, sso } = context.services;
  const started = await startSso(db, sso, {
    orgCode: params.org.toUpperCase(),
    redirectUri: new URL("/sso/callback", url).href,
    redirectTo,
    ip: context.clientIp,
  });
  if (!started.ok) return data({ message: started.message }, { status: started.reason === "not_configured" ? 404 : 503 });
  throw redirect(started.url, {
    headers: { "Set-Cookie": await sso.stateCookie.serialize(started.state) },
  });
}

export default function StartSso() {
  const { message } = useLoaderData<typeof loader>();
  return <SignInProblem title="Sign-in is not available" message={message} />;
}
