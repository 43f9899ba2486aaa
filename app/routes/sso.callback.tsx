// Where an organization's identity provider sends the browser back (decision 032): the sign-in is
// finished (state, code, ID token, e-mail and role checked), and the person gets the same session a
// password sign-in gives, with the device cookie. Any refusal is a page that says why.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { rememberDevice } from "~/auth/login.server";
import { createUserSession, safeRedirectTarget } from "~/auth/session.server";
import { finishSso, readStateCookie } from "~/auth/sso.server";
import { SignInProblem } from "~/components/SignInProblem";

export const meta: MetaFunction = () => [{ title: "Signing in · CME Credit Verification" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { db, sso, sessionCookie, deviceCookie } = context.services;
  const result = await finishSso(db, sso, {
    url: new URL(request.url),
    cookieState: await readStateCookie(sso, request),
    ip: context.clientIp,
  });
  const headers = new Headers();
  // The state is spent either way.
  headers.append("Set-Cookie", await sso.stateCookie.serialize("", { maxAge: 0 }));
  if (!result.ok) return data({ message: result.message }, { status: result.status, headers });
  headers.append(
    "Set-Cookie",
    await createUserSession(db, sessionCookie, result.userId, {
      ip: context.clientIp,
      userAgent: request.headers.get("user-agent"),
      via: "sso",
    })
  );
  headers.append("Set-Cookie", await deviceCookie.serialize(await rememberDevice(db, result.userId)));
  throw redirect(safeRedirectTarget(result.redirectTo), { headers });
}

export default function SsoCallback() {
  const { message } = useLoaderData<typeof loader>();
  return <SignInProblem title="Sign-in did not complete" message={message} />;
}
