import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { revokeSession } from "~/auth/session.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const setCookie = await revokeSession(context, request);
  throw redirect("/login", { headers: { "Set-Cookie": setCookie } });
}

// Signing out is a POST (a link cannot sign anyone out); a GET just goes to the sign-in page.
export async function loader() {
  throw redirect("/login");
}
