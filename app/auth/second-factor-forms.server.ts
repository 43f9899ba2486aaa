// The forms of /account/security and /account/security/enrol (decision 031): each intent parsed
// with zod, answered with what the page shows next, never a 500. Re-authentication (the password,
// or a code from an authenticator app or a recovery code) guards removing a factor and new
// recovery codes; it is throttled with the user's second-factor failures.
import type { AppLoadContext } from "@remix-run/node";
import { z } from "zod";
import { fieldErrors, type FieldErrors } from "../lib/forms";
import {
  addPasskey,
  checkCode,
  confirmAuthenticatorApp,
  hasSecondFactor,
  parseCredentialJson,
  passkeyRegistrationOptions,
  pendingAuthenticatorApp,
  regenerateRecoveryCodes,
  removeFactor,
  setSecondFactorRequired,
  startAuthenticatorApp,
  type FactorOwner,
  type PendingApp,
} from "../models/second-factors.server";
import { minutesToWait } from "./login.server";
import { verifyPassword } from "./password.server";
import { can } from "./permissions.server";
import { relyingPartyFor } from "./second-factor.server";
import type { SessionUser } from "./session.server";
import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/server";

export type FactorFormResult =
  | { intent: "passkey-options"; options: PublicKeyCredentialCreationOptionsJSON }
  | { intent: "app-start" | "app-confirm"; pending: PendingApp; errors?: FieldErrors }
  | { intent: "added"; name: string; recoveryCodes: string[] | null }
  | { intent: "recovery-codes"; recoveryCodes: string[] }
  | { intent: "removed"; name: string }
  | { intent: "required"; required: boolean }
  | { intent: "error"; for: string; errors: FieldErrors };

const Name = (fallback: string) =>
  z
    .string()
    .trim()
    .max(100, "Keep the name to 100 characters")
    .optional()
    .transform((v) => (v ? v : fallback));
const Id = z.string().regex(/^\d{1,18}$/, "That factor is not one of yours");
const Code = z.string().trim().min(1, "Enter the code").max(64, "That code is too long");

const Forms = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("passkey-options") }),
  z.object({ intent: z.literal("passkey-add"), credential: z.string().min(1, "The passkey sent nothing").max(200_000), name: Name("Passkey") }),
  z.object({ intent: z.literal("app-start") }),
  z.object({ intent: z.literal("app-confirm"), id: Id, code: Code, name: Name("Authenticator app") }),
  z.object({ intent: z.literal("recovery-regenerate"), password: z.string().max(1024).optional(), code: z.string().max(64).optional() }),
  z.object({
    intent: z.literal("remove"),
    kind: z.enum(["passkey", "app"], { message: "Choose a passkey or an authenticator app" }),
    id: Id,
    password: z.string().max(1024).optional(),
    code: z.string().max(64).optional(),
  }),
  z.object({ intent: z.literal("require"), required: z.enum(["on", "off"], { message: "Choose on or off" }) }),
]);

export function ownerOf(user: SessionUser): FactorOwner {
  return { id: user.id, email: user.email, displayName: user.displayName, orgCode: user.org.code };
}

const error = (intent: string, errors: FieldErrors, status = 400) => ({ result: { intent: "error" as const, for: intent, errors }, status });

/** Handles one submitted form; `enrolment` limits it to adding a factor (the forced enrolment page). */
export async function handleFactorForm(
  context: AppLoadContext,
  request: Request,
  user: SessionUser,
  fields: Record<string, string>,
  options: { enrolment?: boolean } = {},
): Promise<{ result: FactorFormResult; status: number }> {
  const { db, secondFactor } = context.services;
  const parsed = Forms.safeParse(fields);
  const intent = typeof fields.intent === "string" ? fields.intent.slice(0, 40) : "";
  if (!parsed.success) return error(intent, fieldErrors(parsed.error));
  const form = parsed.data;
  const owner = ownerOf(user);
  const ip = context.clientIp;
  if (options.enrolment && !["passkey-options", "passkey-add", "app-start", "app-confirm"].includes(form.intent)) {
    return error(form.intent, { form: "Add a second factor first." });
  }
  switch (form.intent) {
    case "passkey-options":
    case "passkey-add": {
      const party = relyingPartyFor(secondFactor.relyingParty, request);
      if (!party) return error(form.intent, { form: "Passkeys cannot be added at this address. Open the site at its usual address, or add an authenticator app." });
      if (form.intent === "passkey-options") {
        return { result: { intent: "passkey-options", options: await passkeyRegistrationOptions(db, owner, user.sessionHash, party.rpID) }, status: 200 };
      }
      const response = parseCredentialJson(form.credential);
      if (!response) return error(form.intent, { form: "The passkey's answer could not be read. Try again." });
      const added = await addPasskey(db, owner, { sessionHash: user.sessionHash, response, name: form.name, origin: party.origin, rpID: party.rpID, ip });
      if (!added.ok) return error(form.intent, { form: added.message });
      return { result: { intent: "added", name: form.name, recoveryCodes: added.recoveryCodes }, status: 200 };
    }
    case "app-start":
      return { result: { intent: "app-start", pending: await startAuthenticatorApp(db, secondFactor.keys, owner) }, status: 200 };
    case "app-confirm": {
      const added = await confirmAuthenticatorApp(db, secondFactor.keys, owner, { id: form.id, code: form.code, name: form.name, ip });
      if (added.ok) return { result: { intent: "added", name: form.name, recoveryCodes: added.recoveryCodes }, status: 200 };
      const pending = await pendingAuthenticatorApp(db, secondFactor.keys, owner, form.id);
      if (!pending) return error(form.intent, { form: added.message });
      return { result: { intent: "app-confirm", pending, errors: { code: added.message } }, status: 400 };
    }
    case "recovery-regenerate":
    case "remove": {
      const reauth = await reauthenticate(context, owner, form);
      if (!reauth.ok) return error(form.intent, reauth.errors, reauth.status);
      if (form.intent === "recovery-regenerate") {
        const codes = await regenerateRecoveryCodes(db, owner, ip);
        if (!codes) return error(form.intent, { form: "Add a passkey or an authenticator app first: recovery codes stand in for one." }, 409);
        return { result: { intent: "recovery-codes", recoveryCodes: codes }, status: 200 };
      }
      const removed = await removeFactor(db, owner, { kind: form.kind, id: form.id, ip });
      if (!removed.ok) return error(form.intent, { form: removed.message }, removed.status);
      return { result: { intent: "removed", name: removed.name }, status: 200 };
    }
    case "require": {
      if (!can(user, "administer")) throw new Response("Your role does not allow this.", { status: 403 });
      const required = form.required === "on";
      if (required && !(await hasSecondFactor(db, user.id))) {
        return error(form.intent, { required: "Add a second factor to your own account before you require one for everyone." }, 409);
      }
      await setSecondFactorRequired(db, { actor: { id: user.id, orgCode: user.org.code }, required, ip });
      return { result: { intent: "required", required }, status: 200 };
    }
  }
}

/** The password, or a code from an authenticator app, or a recovery code; throttled like sign-in's codes. */
async function reauthenticate(
  context: AppLoadContext,
  owner: FactorOwner,
  form: { password?: string; code?: string },
): Promise<{ ok: true } | { ok: false; errors: FieldErrors; status: number }> {
  const { db, secondFactor } = context.services;
  const code = form.code?.trim() ?? "";
  const password = form.password ?? "";
  if (!code && !password) return { ok: false, errors: { password: "Enter your password, or a code from your authenticator app, to confirm it is you." }, status: 400 };
  const kind = code ? (/^\d{6}$/.test(code.replace(/\s/g, "")) ? "app" : "recovery") : "password";
  const check = await checkCode(db, secondFactor.keys, {
    user: owner,
    kind,
    code,
    ip: context.clientIp,
    purpose: "re-authentication",
    passwordCheck: async () => {
      const row = await db.selectFrom("board.staff_user").select("password_hash").where("id", "=", owner.id).executeTakeFirst();
      return verifyPassword(row?.password_hash ?? null, password);
    },
  });
  if (check.ok) return { ok: true };
  const field = code ? "code" : "password";
  if (check.reason === "throttled") return { ok: false, errors: { [field]: `Too many wrong attempts. Try again in ${minutesToWait(check.retryAfterSeconds)}.` }, status: 429 };
  if (check.reason === "locked") return { ok: false, errors: { [field]: "Too many wrong attempts: ask an administrator to reset your second factors." }, status: 429 };
  return { ok: false, errors: { [field]: code ? "That code is not right." : "That password is not right." }, status: 401 };
}
