// An organization's single sign-on configuration as its administrators see and change it
// (/admin/sso, decision 032): the form's schema, reading (the client secret never leaves the
// server), saving with an audited before and after (the secret only as "set" / "changed"), and the
// connection check.
import type { Kysely } from "kysely";
import { z } from "zod";
import type { Database } from "../../db/schema";
import { STAFF_ROLES, type StaffRole } from "../../domain/reference";
import { clientSecretFor, describeProviderError, discoverProvider, encryptClientSecret, issuerProblem, type SsoServices } from "../auth/sso.server";
import { recordAudit } from "./audit.server";

export interface SsoConfigView {
  issuer: string;
  clientId: string;
  /** A secret is stored (encrypted); it is never shown. */
  secretStored: boolean;
  /** The server's configuration supplies the secret; a stored one is not used. */
  secretFromEnvironment: boolean;
  allowedDomains: string[];
  roleClaim: string;
  roleMap: { value: string; role: StaffRole }[];
  defaultRole: StaffRole | null;
  provisioning: "jit" | "invited";
  allowPassword: boolean;
  enabled: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

export async function getSsoConfig(db: Kysely<Database>, services: SsoServices, orgCode: string): Promise<SsoConfigView | null> {
  const row = await db
    .selectFrom("board.sso_config as c")
    .leftJoin("board.staff_user as u", "u.id", "c.updated_by")
    .select([
      "c.issuer",
      "c.client_id",
      "c.client_secret_encrypted",
      "c.allowed_domains",
      "c.role_claim",
      "c.role_map",
      "c.default_role",
      "c.provisioning",
      "c.allow_password",
      "c.enabled",
      "c.updated_at",
      "u.display_name as updated_by",
    ])
    .where("c.org_code", "=", orgCode)
    .executeTakeFirst();
  if (!row) return null;
  return {
    issuer: row.issuer,
    clientId: row.client_id,
    secretStored: row.client_secret_encrypted !== null,
    secretFromEnvironment: Boolean(services.environmentSecrets[orgCode]),
    allowedDomains: row.allowed_domains,
    roleClaim: row.role_claim ?? "",
    roleMap: Object.entries(row.role_map).flatMap(([value, role]) => (STAFF_ROLES.includes(role as StaffRole) ? [{ value, role: role as StaffRole }] : [])),
    defaultRole: STAFF_ROLES.find((r) => r === row.default_role) ?? null,
    provisioning: row.provisioning,
    allowPassword: row.allow_password,
    enabled: row.enabled,
    updatedAt: row.updated_at.toISOString(),
    updatedBy: row.updated_by,
  };
}

// ---------------------------------------------------------------- the form

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CLAIM = /^[A-Za-z0-9_.:/-]{1,100}$/;
const ROLE_NAMES: Record<string, StaffRole> = {
  reviewer: "reviewer",
  supervisor: "supervisor",
  admin: "admin",
  administrator: "admin",
};

/** "a.org, b.org" or one a line → lower-case domains, each checked. */
const domainList = z
  .string()
  .max(2000, "List at most a few dozen domains")
  .transform((text, ctx) => {
    const domains = [
      ...new Set(
        text
          .split(/[\s,;]+/)
          .map((d) => d.trim().toLowerCase().replace(/^@/, ""))
          .filter(Boolean)
      ),
    ];
    const bad = domains.find((d) => !DOMAIN.test(d));
    if (bad)
      ctx.addIssue({
        code: "custom",
        message: `"${bad.slice(0, 60)}" is not an email domain (such as medbd.ca.gov)`,
      });
    if (domains.length > 50) ctx.addIssue({ code: "custom", message: "List at most 50 domains" });
    return domains;
  });

/** One mapping a line: "<claim value> = reviewer | supervisor | admin". */
const roleMapText = z
  .string()
  .max(5000, "The role mapping is too long")
  .transform((text, ctx) => {
    const map: Record<string, StaffRole> = {};
    const lines = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
    for (const [i, line] of lines.entries()) {
      const at = line.lastIndexOf("=");
      const value = at > 0 ? line.slice(0, at).trim() : "";
      const role =
        at > 0
          ? ROLE_NAMES[
              line
                .slice(at + 1)
                .trim()
                .toLowerCase()
            ]
          : undefined;
      if (!value || !role || value.length > 200 || /\p{Cc}/u.test(value)) {
        ctx.addIssue({
          code: "custom",
          message: `Line ${i + 1}: write it as "group name = reviewer", "= supervisor" or "= admin"`,
        });
        return map;
      }
      map[value] = role;
    }
    if (lines.length > 50) ctx.addIssue({ code: "custom", message: "Map at most 50 values" });
    return map;
  });

const optionalRole = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === "" || v === "none" ? null : v))
  .refine((v): v is StaffRole | null => v === null || (STAFF_ROLES as readonly string[]).includes(v), "Choose a role or no access");

const SsoConfigFields = z.object({
  issuer: z
    .string()
    .trim()
    .min(1, "Enter the issuer address your identity provider gives")
    .max(500, "The issuer address is too long")
    .superRefine((v, ctx) => {
      const problem = issuerProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  clientId: z
    .string()
    .trim()
    .min(1, "Enter the client ID your identity provider gives this application")
    .max(500, "The client ID is too long")
    .refine((v) => !/\p{Cc}/u.test(v), "The client ID cannot contain control characters"),
  /** Write-only: empty keeps the stored secret. */
  clientSecret: z
    .string()
    .max(1000, "The client secret is too long")
    .optional()
    .transform((v) => (v ? v.trim() : ""))
    .refine((v) => !/\p{Cc}/u.test(v), "The client secret cannot contain control characters"),
  removeSecret: z.literal("on").optional(),
  allowedDomains: domainList,
  roleClaim: z
    .string()
    .trim()
    .max(100, "The claim name is too long")
    .optional()
    .transform((v) => v ?? "")
    .refine((v) => v === "" || CLAIM.test(v), "A claim name is letters, digits and _ . : / - (such as groups)"),
  roleMap: roleMapText.optional().transform((v) => v ?? {}),
  defaultRole: optionalRole,
  provisioning: z.enum(["jit", "invited"], {
    message: "Choose how accounts are created",
  }),
  allowPassword: z.literal("on").optional(),
  enabled: z.literal("on").optional(),
});

/** What "Check connection" reads: the provider's address, the client, and a secret if one was typed. */
export const SsoConnectionForm = SsoConfigFields.pick({
  issuer: true,
  clientId: true,
  clientSecret: true,
});

export const SsoConfigForm = SsoConfigFields.superRefine((form, ctx) => {
  if (Object.keys(form.roleMap).length > 0 && !form.roleClaim)
    ctx.addIssue({
      code: "custom",
      path: ["roleClaim"],
      message: "Name the claim whose values the mapping reads",
    });
  if (form.enabled && form.allowedDomains.length === 0)
    ctx.addIssue({
      code: "custom",
      path: ["allowedDomains"],
      message: "List at least one email domain before turning sign-in on",
    });
  if (form.enabled && form.provisioning === "jit" && !form.defaultRole && Object.keys(form.roleMap).length === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["defaultRole"],
      message: "New accounts need a role: map a claim to roles or choose a default role",
    });
  }
});

export type SsoConfigInput = z.output<typeof SsoConfigForm>;

/** What the audit log records of a configuration: everything but the secret, which is only "set" or not. */
function auditable(row: {
  issuer: string;
  client_id: string;
  client_secret_encrypted: string | null;
  allowed_domains: string[];
  role_claim: string | null;
  role_map: Record<string, string>;
  default_role: string | null;
  provisioning: string;
  allow_password: boolean;
  enabled: boolean;
}) {
  return {
    issuer: row.issuer,
    clientId: row.client_id,
    clientSecret: row.client_secret_encrypted ? "set" : "none",
    allowedDomains: row.allowed_domains,
    roleClaim: row.role_claim,
    roleMap: row.role_map,
    defaultRole: row.default_role,
    provisioning: row.provisioning,
    allowPassword: row.allow_password,
    enabled: row.enabled,
  };
}

/** Saves the organization's configuration and audits before and after, in one transaction. */
export async function saveSsoConfig(
  db: Kysely<Database>,
  services: SsoServices,
  user: { id: string; orgCode: string; ip: string | null },
  input: SsoConfigInput
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom("board.sso_config").selectAll().where("org_code", "=", user.orgCode).forUpdate().executeTakeFirst();
    const secret = input.removeSecret ? null : input.clientSecret ? encryptClientSecret(services.secrets, input.clientSecret) : before?.client_secret_encrypted ?? null;
    const values = {
      issuer: input.issuer,
      client_id: input.clientId,
      client_secret_encrypted: secret,
      allowed_domains: input.allowedDomains,
      role_claim: input.roleClaim || null,
      role_map: JSON.stringify(input.roleMap),
      default_role: input.defaultRole,
      provisioning: input.provisioning,
      allow_password: input.allowPassword === "on",
      enabled: input.enabled === "on",
      updated_by: user.id,
      updated_at: new Date(),
    };
    const after = await trx
      .insertInto("board.sso_config")
      .values({ org_code: user.orgCode, ...values })
      .onConflict((oc) => oc.column("org_code").doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
    const secretChange = input.removeSecret
      ? before?.client_secret_encrypted
        ? "removed"
        : "none"
      : input.clientSecret
      ? before?.client_secret_encrypted
        ? "changed"
        : "set"
      : "unchanged";
    await recordAudit(trx, {
      action: "sso.update",
      userId: user.id,
      orgCode: user.orgCode,
      target: "single-sign-on",
      ip: user.ip,
      detail: {
        before: before ? auditable(before) : null,
        after: auditable(after),
        clientSecret: secretChange,
      },
    });
  });
  services.discovered.clear();
}

export type ConnectionCheck = { ok: true; issuer: string; authorizationHost: string } | { ok: false; message: string };

/** Asks the provider for its discovery document with these settings (a secret typed in, else the one in force); audited. */
export async function checkConnection(
  db: Kysely<Database>,
  services: SsoServices,
  user: { id: string; orgCode: string; ip: string | null },
  input: { issuer: string; clientId: string; clientSecret: string }
): Promise<ConnectionCheck> {
  const stored = await db.selectFrom("board.sso_config").select("client_secret_encrypted").where("org_code", "=", user.orgCode).executeTakeFirst();
  const secret = input.clientSecret ? encryptClientSecret(services.secrets, input.clientSecret) : stored?.client_secret_encrypted ?? null;
  let result: ConnectionCheck;
  try {
    const provider = await discoverProvider(
      services,
      {
        orgCode: user.orgCode,
        issuer: input.issuer,
        clientId: input.clientId,
        clientSecretEncrypted: secret,
      },
      { fresh: true }
    );
    const metadata = provider.serverMetadata();
    result = {
      ok: true,
      issuer: metadata.issuer,
      authorizationHost: metadata.authorization_endpoint ? new URL(metadata.authorization_endpoint).host : "",
    };
  } catch (error) {
    result = { ok: false, message: describeProviderError(error) };
  }
  await recordAudit(db, {
    action: "sso.check",
    userId: user.id,
    orgCode: user.orgCode,
    target: "single-sign-on",
    ip: user.ip,
    detail: {
      issuer: input.issuer,
      clientId: input.clientId,
      outcome: result.ok ? "connected" : result.message,
      secretInForce:
        clientSecretFor(services, {
          orgCode: user.orgCode,
          clientSecretEncrypted: secret,
        }) !== null,
    },
  });
  return result;
}
