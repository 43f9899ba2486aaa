// Cross-site request forgery: for every route with an action (read from app/routes, so a new one
// must be added here), a request the page itself would submit is refused with 403 when it comes
// from another origin, names only a foreign Referer, says "Origin: null", or carries neither Origin
// nor Referer; and nothing is written. The same request from the app's own origin goes through.
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../app/auth/password.server";
import { uploadRoster } from "../../app/models/rosters.server";
import { Secret, TOTP } from "otpauth";
import { postForms, unescapeHtml } from "../support/html-forms";
import { appRoutes } from "../support/routes";
import { get, post, postLogin, setUpSeededApp, signIn } from "../support/server";
import { appAs, boardWrites, undecidedEntry } from "../support/database";

const app = setUpSeededApp();
const owner = () => app.database.owner;

const writes = () => boardWrites(owner());

interface Forgery {
  path: string;
  cookie: string;
  body: FormData | URLSearchParams;
  /** What the same request from the app's own origin writes (the control). */
  writes: string[];
}

let cookies: Record<"supervisor" | "admin" | "victim", string>;

/** The form a page renders, as it would be submitted. */
async function pageForm(path: string, cookie: string, pick: (fields: [string, string][]) => boolean = () => true): Promise<URLSearchParams> {
  const response = await get(app.server.baseUrl, path, cookie);
  expect(response.status, path).toBe(200);
  const pathname = path.split("?")[0];
  const form = postForms(await response.text()).find((f) => (f.action === null || f.action.split("?")[0] === pathname) && pick(f.fields));
  if (!form) throw new Error(`no POST form on ${path}`);
  return new URLSearchParams(form.fields);
}

/** A request each action would accept, built from the page that carries its form. */
const forgeries: Record<string, () => Promise<Forgery>> = {
  "/login": async () => ({
    path: "/login",
    cookie: "",
    body: new URLSearchParams({ email: "reviewer@ca-m.demo.test", password: "demo-password", redirectTo: "" }),
    writes: ["sessions", "audit_events"],
  }),
  "/logout": async () => ({ path: "/logout", cookie: cookies.victim, body: new URLSearchParams(), writes: ["revoked_sessions", "audit_events"] }),
  "/renewals/:entryId": async () => {
    const path = `/renewals/${await undecidedEntry(owner())}`;
    const body = await pageForm(path, cookies.supervisor, (f) => f.some(([k, v]) => k === "intent" && v === "decide"));
    // An outcome that never contradicts the credit check (no override reason needed, whatever the status).
    body.set("outcome", "referred_to_audit");
    body.set("note", "Forged?");
    return { path, cookie: cookies.supervisor, body, writes: ["decisions", "audit_events"] };
  },
  "/renewals/bulk": async () => {
    const path = "/renewals/bulk?endFrom=2020-01-01&endTo=2040-12-31";
    const body = await pageForm(path, cookies.supervisor);
    body.set("confirm", "yes");
    expect(body.get("entries")?.split(",").length ?? 0).toBeGreaterThan(0);
    return { path, cookie: cookies.supervisor, body, writes: ["decisions", "audit_events"] };
  },
  "/renewals/rules": async () => {
    const body = await pageForm("/renewals/rules", cookies.admin);
    body.set("reason", "A forged change of the rules");
    // The form's first step is a preview (audited); a save needs the preview's token, so a forged
    // preview is what a cross-site page could try first.
    return { path: "/renewals/rules", cookie: cookies.admin, body, writes: ["audit_events"] };
  },
  "/renewals/samples": async () => {
    const body = await pageForm("/renewals/samples", cookies.supervisor);
    body.set("size", "3");
    return { path: "/renewals/samples", cookie: cookies.supervisor, body, writes: ["audit_samples", "audit_events"] };
  },
  "/rosters": async () => {
    const body = new FormData();
    body.set("file", new File(["licence_id,first_name,last_name,birth_date,npi,cycle_end\nCSRF1,Ann,Forge,01/02,,2031-01-31\n"], "forged.csv", { type: "text/csv" }));
    return { path: "/rosters?index", cookie: cookies.supervisor, body, writes: ["roster_uploads", "roster_entries", "audit_events"] };
  },
  "/rosters/:uploadId": async () => {
    // An upload of its own to withdraw (the control withdraws it).
    const outcome = await uploadRoster(appAs(app.database, "CA-M"), { userId: null, orgCode: "CA-M" }, {
      fileName: "to-withdraw.csv",
      content: "licence_id,first_name,last_name,birth_date,npi,cycle_end\nCSRF2,Ann,Withdrawn,01/02,,2031-01-31\n",
    });
    if (outcome.kind !== "uploaded") throw new Error(`csrf: the upload to withdraw was ${outcome.kind}`);
    const path = `/rosters/${outcome.uploadId}`;
    const body = await pageForm(path, cookies.supervisor, (f) => f.some(([k, v]) => k === "intent" && v === "withdraw"));
    body.set("reason", "A forged withdrawal");
    return { path, cookie: cookies.supervisor, body, writes: ["audit_events"] };
  },
  "/rosters/unmatched": async () => {
    const body = await pageForm("/rosters/unmatched", cookies.supervisor, (f) => f.some(([k, v]) => k === "intent" && v === "link"));
    const learner = await sql<{ id: string }>`select learner_id::text as id from learner.credit_report where board_code = 'CA-M' and deleted_at is null order by id limit 1`.execute(owner());
    body.set("learnerId", learner.rows[0]!.id);
    body.set("reason", "A forged link by hand");
    return { path: "/rosters/unmatched", cookie: cookies.supervisor, body, writes: ["audit_events"] };
  },
  "/admin/users": async () => {
    // An invitation of its own to revoke (the control revokes it).
    const made = await post(app.server.baseUrl, "/admin/users/invite", cookies.admin, { email: "csrf-revoke@ca-m.example.gov", role: "reviewer", validDays: "1" });
    expect(made.status).toBe(200);
    const body = await pageForm("/admin/users", cookies.admin, (f) => f.some(([k, v]) => k === "intent" && v === "revoke"));
    return { path: "/admin/users?index", cookie: cookies.admin, body, writes: ["closed_invites", "audit_events"] };
  },
  "/admin/users/invite": async () => {
    const body = await pageForm("/admin/users/invite", cookies.admin);
    body.set("email", "csrf-invitee@ca-m.example.gov");
    return { path: "/admin/users/invite", cookie: cookies.admin, body, writes: ["staff_invites", "audit_events"] };
  },
  "/admin/users/:userId": async () => {
    const user = await owner()
      .insertInto("board.staff_user")
      .values({ email: "csrf-role@ca-m.example.gov", display_name: "Role Target", password_hash: await hashPassword("demo-password"), role: "reviewer", org_code: "CA-M" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const path = `/admin/users/${user.id}`;
    const body = await pageForm(path, cookies.admin, (f) => f.some(([k, v]) => k === "intent" && v === "role"));
    body.set("role", "supervisor");
    return { path, cookie: cookies.admin, body, writes: ["staff_supervisors", "audit_events"] };
  },
  "/invite/:token": async () => {
    const made = await post(app.server.baseUrl, "/admin/users/invite", cookies.admin, { email: "csrf-accept@ca-m.example.gov", role: "reviewer", validDays: "1" });
    const token = (await made.text()).match(/\/invite\/([A-Za-z0-9_-]{43})/)![1]!;
    const path = `/invite/${token}`;
    const body = await pageForm(path, "");
    body.set("name", "Forged Acceptance");
    body.set("password", "maple kettle harbor violin");
    body.set("confirm", "maple kettle harbor violin");
    return { path, cookie: "", body, writes: ["staff_users", "passwords_set", "audit_events"] };
  },
  "/account": async () => {
    // A user with a second session to end (the control signs it out).
    const [cookie] = await Promise.all([signIn(app.server.baseUrl, "supervisor@abim.demo.test"), signIn(app.server.baseUrl, "supervisor@abim.demo.test")]);
    const body = await pageForm("/account", cookie!, (f) => f.some(([k, v]) => k === "intent" && v === "end-others"));
    return { path: "/account?index", cookie: cookie!, body, writes: ["revoked_sessions", "audit_events"] };
  },
  "/admin/sso": async () => {
    // The settings form as the page renders it (Save pressed), filled in as an administrator would.
    const body = await pageForm("/admin/sso", cookies.admin);
    body.set("issuer", "https://login.forged.example");
    body.set("clientId", "forged-client");
    body.set("allowedDomains", "forged.example");
    return { path: "/admin/sso", cookie: cookies.admin, body, writes: ["sso_configs", "sso_config_changes", "audit_events"] };
  },
  "/account/security": async () => {
    // Starting an authenticator app writes its pending secret.
    const body = await pageForm("/account/security", cookies.supervisor, (f) => f.some(([k, v]) => k === "intent" && v === "app-start"));
    return { path: "/account/security", cookie: cookies.supervisor, body, writes: ["totp_secrets"] };
  },
  "/account/security/enrol": async () => {
    // The page offers its form only to someone who must enrol; the request is the same as the security page's.
    return { path: "/account/security/enrol", cookie: cookies.admin, body: new URLSearchParams({ intent: "app-start" }), writes: ["totp_secrets"] };
  },
  "/admin/audit/verify": async () => {
    const body = await pageForm("/admin/audit/verify", cookies.admin);
    return { path: "/admin/audit/verify", cookie: cookies.admin, body, writes: ["audit_events"] };
  },
  "/login/verify": async () => {
    // A user with an authenticator app, half signed in (the password given): the code from the app
    // finishes signing in.
    const email = "csrf-second-step@ca-m.example.gov";
    await owner()
      .insertInto("board.staff_user")
      .values({ email, display_name: "Second Step", password_hash: await hashPassword("demo-password"), role: "reviewer", org_code: "CA-M" })
      .execute();
    const signedIn = await signIn(app.server.baseUrl, email);
    const started = unescapeHtml(await (await post(app.server.baseUrl, "/account/security", signedIn, { intent: "app-start" })).text());
    const key = started.match(/aria-label="Setup key">([A-Z2-7 ]+)</)![1]!.replace(/ /g, "");
    const id = started.match(/name="id" value="(\d+)"/)![1]!;
    const totp = new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(key) });
    const confirmed = await post(app.server.baseUrl, "/account/security", signedIn, { intent: "app-confirm", id, code: totp.generate(), name: "Phone" });
    expect(confirmed.status).toBe(200);
    const password = await postLogin(app.server.baseUrl, email, "demo-password", "/credits");
    expect(password.headers.get("location")).toBe("/login/verify");
    const challenge = /__signin=[^;]+/.exec(password.headers.getSetCookie().find((c) => c.startsWith("__signin=")) ?? "")![0];
    // The next step's code: the one just used to confirm the app is never accepted twice.
    const body = new URLSearchParams({ intent: "app", code: totp.generate({ timestamp: Date.now() + 30_000 }) });
    return { path: "/login/verify", cookie: challenge, body, writes: ["sessions", "audit_events"] };
  },
  "/preferences/columns": async () => {
    // The credit search's "remember these columns" form.
    const page = await get(app.server.baseUrl, "/credits", cookies.supervisor);
    const form = postForms(await page.text()).find((f) => f.action?.split("?")[0] === "/preferences/columns");
    if (!form) throw new Error("no remember-columns form on /credits");
    const body = new URLSearchParams(form.fields);
    body.set("intent", "save");
    return { path: "/preferences/columns", cookie: cookies.supervisor, body, writes: ["user_preferences", "audit_events"] };
  },
  "/admin/analytics": async () => ({
    path: "/admin/analytics",
    cookie: cookies.admin,
    body: await pageForm("/admin/analytics", cookies.admin),
    writes: ["audit_events"],
  }),
};

/** The forged request with exactly these Origin / Referer headers (none when left out). */
function send(f: Forgery, headers: Record<string, string>): Promise<Response> {
  return post(app.server.baseUrl, f.path, f.cookie ?? null, f.body, { origin: null, ...headers });
}

beforeAll(async () => {
  const [supervisor, admin, victim] = await Promise.all(
    ["supervisor@ca-m.demo.test", "admin@ca-m.demo.test", "reviewer@ca-m.demo.test"].map((email) => signIn(app.server.baseUrl, email)),
  );
  cookies = { supervisor: supervisor!, admin: admin!, victim: victim! };
});

const actions = (await appRoutes()).filter((r) => r.hasAction);

describe("cross-site requests are refused and write nothing", () => {

  it("knows a valid request for every route with an action", () => {
    expect(actions.length).toBeGreaterThanOrEqual(8);
    for (const route of actions) expect(Object.keys(forgeries), `add a forged request for ${route.id}`).toContain(route.pattern);
    // The roster upload is an index route: its action is reached with ?index.
    expect(actions.find((r) => r.pattern === "/rosters")!.index).toBe(true);
  });

  for (const route of actions) {
    it(`POST ${route.pattern}`, async () => {
      const forgery = await forgeries[route.pattern]!();
      // An earlier control's background evaluation (after an upload) writes entries: it ends first.
      await app.server.statuses.idle();
      const before = await writes();
      const attempts: [string, Record<string, string>][] = [
        ["another origin", { origin: "https://evil.example" }],
        ["another origin, same path", { origin: "https://evil.example", referer: `${app.server.baseUrl}${forgery.path}` }],
        ["a look-alike host", { origin: `${app.server.baseUrl}.evil.example` }],
        ["another port", { origin: app.server.baseUrl.replace(/:(\d+)$/, (_m, p: string) => `:${Number(p) + 1}`) }],
        ["another scheme, same host and port", { origin: app.server.baseUrl.replace(/^http:/, "https:") }],
        ["another scheme's Referer and no Origin", { referer: `${app.server.baseUrl.replace(/^http:/, "https:")}${forgery.path}` }],
        ["another site's Referer and no Origin", { referer: "https://evil.example/page" }],
        ["Origin: null", { origin: "null" }],
        ["neither Origin nor Referer", {}],
      ];
      for (const [what, headers] of attempts) {
        const response = await send(forgery, headers);
        expect(response.status, what).toBe(403);
        expect(await response.text(), what).toBe("Cross-site request refused.");
        expect(response.headers.get("set-cookie"), what).toBeNull();
      }
      expect(await writes()).toEqual(before);

      // The control: the same request from the app's own page is accepted and writes what it should.
      const control = await send(forgery, { origin: app.server.baseUrl, referer: `${app.server.baseUrl}${forgery.path}` });
      expect(control.status, await control.clone().text().then((t) => t.slice(0, 300))).toBeLessThan(400);
      const after = await writes();
      for (const key of forgery.writes) expect(after[key], key).toBeGreaterThan(before[key]!);
    });
  }
});
