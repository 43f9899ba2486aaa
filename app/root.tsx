import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useMatches,
  useNavigation,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { type ReactNode } from "react";
import { getSessionUser } from "./auth/session.server";
import { FocusManager } from "./components/FocusManager";
import { can } from "./auth/permissions.server";
import { useNonce } from "./lib/nonce";
import styles from "./styles/app.css";
import { orgWords } from "../domain/org-words";
import { organisationTimeZone, type OrganisationKind } from "../domain/reference";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [{ title: "CME Credit Verification" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getSessionUser(context, request);
  return {
    user: user && {
      displayName: user.displayName,
      email: user.email,
      role: user.role,
      org: user.org,
      oversees: can(user, "oversee"),
      // Every time on a page is shown in the organization's zone (components/DateTime.tsx).
      timeZone: organisationTimeZone(user.org.code),
      // Until a required second factor is added, only the enrolment page is reachable: no navigation.
      mustEnrol: user.mustEnrol === true,
    },
  };
}

const NAV = [
  { to: "/", label: "Overview", end: true },
  { to: "/credits", label: "Credit search", end: false },
  { to: "/activities", label: "Activities", end: false },
  { to: "/licensees", label: "Licensees", end: false, words: "People" },
  { to: "/renewals", label: "Renewals", end: false, boardsOnly: true, words: "Cycles" },
  { to: "/rosters", label: "Rosters", end: false, boardsOnly: true },
  { to: "/reports", label: "Reports", end: false },
];

/** Shown to those who oversee the organization (supervisors and administrators). */
const OVERSIGHT_NAV = [{ to: "/admin/audit", label: "Audit trail", end: false }];

/** Shown to administrators only. */
const ADMIN_NAV = [
  { to: "/admin/users", label: "Staff", end: false },
  { to: "/admin/analytics", label: "Admin", end: false },
];

function labelOf(item: { label: string; words?: string }, kind: string): string {
  return item.words ? orgWords(kind as OrganisationKind)[item.words as "People" | "Cycles"] : item.label;
}

function Shell({ children }: { children: ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  const navigation = useNavigation();
  const matches = useMatches();
  // Grids ask for the full width with `export const handle = { wide: true }`.
  const wide = matches.some((m) => (m.handle as { wide?: boolean } | undefined)?.wide);
  const user = data?.user;
  const navItems = user
    ? [...NAV.filter((item) => !("boardsOnly" in item && item.boardsOnly) || user.org.kind !== "accreditor"), ...(user.oversees ? OVERSIGHT_NAV : []), ...(user.role === "admin" ? ADMIN_NAV : [])]
    : [];
  // A navigation longer than fits beside the brand and the account at 1366 px gets a row of its own.
  const navLength = user ? navItems.reduce((n, item) => n + labelOf(item, user.org.kind).length, 0) + user.displayName.length : 0;
  return (
    <>
      <FocusManager />
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className={navLength > 96 ? "app-header app-header--crowded" : "app-header"}>
        <div className="app-header__inner">
          <Link to="/" className="brand">
            <span className="brand__mark" aria-hidden="true">
              CME
            </span>
            <span>Credit Verification</span>
          </Link>
          {user ? (
            <>
              <nav aria-label="Main" className="main-nav" hidden={user.mustEnrol}>
                {navItems.map((item) => (
                  <NavLink key={item.to} to={item.to} end={item.end}>
                    {labelOf(item, user.org.kind)}
                  </NavLink>
                ))}
              </nav>
              <div className="account">
                <span className="account__org" title={user.org.name}>
                  {user.org.code}
                </span>
                <Link to="/account" className="account__name" title="Your account: password, sessions, second factor">
                  {user.displayName}
                  <span className="account__role">{user.role}</span>
                </Link>
                <Form method="post" action="/logout">
                  <button type="submit" className="button button--ghost">
                    Sign out
                  </button>
                </Form>
              </div>
            </>
          ) : null}
        </div>
        <div className={navigation.state === "idle" ? "progress" : "progress progress--active"} aria-hidden="true" />
      </header>
      <main id="main" className={wide ? "page page--wide" : "page"} aria-busy={navigation.state !== "idle"}>
        {children}
      </main>
    </>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return (
    <Shell>
      <Outlet />
    </Shell>
  );
}

const STATUS_MESSAGES: Record<number, { title: string; body: string }> = {
  400: { title: "That request could not be understood", body: "Check the address or the form and try again." },
  403: { title: "Not permitted", body: "Your role does not allow this action." },
  404: { title: "Not found", body: "There is no such page or record in your organization's scope." },
  429: { title: "Too many requests", body: "Wait a few minutes and try again." },
  503: { title: "Temporarily unavailable", body: "The database cannot be reached. The page will work again shortly." },
};

export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const message = STATUS_MESSAGES[status] ?? {
    title: "Something went wrong",
    body: "The error has been logged. Try again, and contact support if it keeps happening.",
  };
  return (
    <Shell>
      <section className="error-page" role="alert">
        <p className="error-page__status">Error {status}</p>
        <h1>{message.title}</h1>
        <p>{message.body}</p>
        <p>
          <Link to="/">Back to the overview</Link>
        </p>
      </section>
    </Shell>
  );
}
