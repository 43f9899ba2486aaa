// Licensee attributes the board owns (browser-safe, pure): the small, typed set of facts about a
// licensee or diplomate that the learner store cannot know and the requirement rules depend on —
// whether a licensee prescribes controlled substances, holds a state certificate, practises in a
// specialty, when the license was first issued. A board supplies them in optional roster columns or
// edits them on a renewal entry; a requirement's "applies to" reads them (domain/requirement-rules.ts).
// A value that was never supplied is unknown (absent), never false.
import { z } from "zod";
import { parseDate } from "./calendar";

export type AttributeType = "boolean" | "text" | "percent" | "date";

export interface AttributeDefinition {
  key: string;
  type: AttributeType;
  /** Column heading and field label, as a board reads it. */
  label: string;
  /** One sentence under the field: what "yes" means, where the board usually knows it from. */
  help: string;
  /** Roster column names accepted for it (compared case-, space- and punctuation-insensitively). */
  aliases: readonly string[];
}

export const LICENSEE_ATTRIBUTES = [
  {
    key: "controlledSubstancePrescriber",
    type: "boolean",
    label: "Prescribes controlled substances",
    help: "Holds a DEA registration or otherwise prescribes controlled substances.",
    aliases: ["prescriber", "controlled substance prescriber", "dea registrant", "dea", "prescribes controlled substances"],
  },
  {
    key: "controlledSubstanceCertificate",
    type: "boolean",
    label: "Holds a state controlled substances certificate",
    help: "Holds the state's own controlled substances certificate (in Alabama, an ACSC).",
    aliases: ["controlled substance certificate", "csc", "acsc", "certificate holder"],
  },
  {
    key: "specialty",
    type: "text",
    label: "Specialty",
    help: "The licensee's primary specialty as the board records it (for example Internal Medicine, Family Medicine).",
    aliases: ["specialty", "primary specialty", "speciality"],
  },
  {
    key: "patients65Percent",
    type: "percent",
    label: "Patients aged 65 or over (%)",
    help: "Share of the licensee's patients aged 65 or over, as the licensee reported it, 0 to 100.",
    aliases: ["patients 65", "patients 65 percent", "patients over 65", "geriatric share", "patients 65 share"],
  },
  {
    key: "initialLicenseDate",
    type: "date",
    label: "Initial license date",
    help: "The date the license was first issued, YYYY-MM-DD.",
    // The last alias accepts a header spelled the British way; what users read says "license".
    aliases: ["initial license date", "original license date", "license issue date", "issue date", "initial licence date"],
  },
  {
    key: "mocParticipant",
    type: "boolean",
    label: "Participates in MOC",
    help: "Takes part in a certifying board's maintenance of certification (continuing certification) program.",
    aliases: ["moc", "moc participant", "moc participation", "continuing certification"],
  },
  {
    key: "osteopathic",
    type: "boolean",
    label: "Osteopathic physician (DO)",
    help: "Holds a DO degree.",
    aliases: ["osteopathic", "do"],
  },
] as const satisfies readonly AttributeDefinition[];

export type AttributeKey = (typeof LICENSEE_ATTRIBUTES)[number]["key"];
export const ATTRIBUTE_KEYS = LICENSEE_ATTRIBUTES.map((a) => a.key) as [AttributeKey, ...AttributeKey[]];

/** Known values only: a key that is absent is unknown. Dates are YYYY-MM-DD, percents 0–100. */
export type LicenseeAttributes = Partial<Record<AttributeKey, boolean | string | number>>;

export function attributeDefinition(key: string): AttributeDefinition | undefined {
  return LICENSEE_ATTRIBUTES.find((a) => a.key === key);
}

/**
 * The attributes each organisation keeps: the ones its seeded requirements read, plus the ones a
 * board of its kind commonly records. A roster column or form field outside this set is refused
 * with a message naming the ones the organisation keeps.
 */
export const ORGANISATION_ATTRIBUTES: Readonly<Record<string, readonly AttributeKey[]>> = {
  "AL-M": ["controlledSubstanceCertificate", "controlledSubstancePrescriber", "initialLicenseDate", "specialty"],
  "CA-M": ["specialty", "patients65Percent", "initialLicenseDate", "controlledSubstancePrescriber"],
  "ME-M": ["controlledSubstancePrescriber", "initialLicenseDate", "specialty"],
  "ME-O": ["controlledSubstancePrescriber", "osteopathic", "initialLicenseDate", "specialty"],
  "MD-M": ["controlledSubstancePrescriber", "initialLicenseDate", "specialty"],
  "OR-M": ["mocParticipant", "controlledSubstancePrescriber", "initialLicenseDate", "specialty"],
  "NC-M": ["controlledSubstancePrescriber", "initialLicenseDate", "specialty"],
  "ND-M": ["initialLicenseDate", "controlledSubstancePrescriber", "specialty"],
  "VI-M": ["controlledSubstancePrescriber", "initialLicenseDate", "specialty"],
  ABA: ["specialty"],
  ABIM: ["specialty"],
  ABO: ["specialty"],
  ABOHNS: ["specialty"],
  ABPATH: ["specialty"],
  ABP: ["specialty"],
  ABS: ["specialty"],
};

export function attributesOf(orgCode: string): readonly AttributeDefinition[] {
  const keys = ORGANISATION_ATTRIBUTES[orgCode] ?? [];
  return keys.map((k) => attributeDefinition(k) as AttributeDefinition);
}

/** A real YYYY-MM-DD from 1900 to 2100. */
function realDate(text: string): boolean {
  const date = parseDate(text);
  return date !== null && date.year >= 1900 && date.year <= 2100;
}

const TRUE_WORDS = new Set(["y", "yes", "true", "1", "x"]);
const FALSE_WORDS = new Set(["n", "no", "false", "0"]);

export type AttributeParse = { ok: true; value: boolean | string | number | null } | { ok: false; message: string };

/**
 * One attribute's value from text (a roster cell or a form field). Empty text is unknown (null).
 * Yes/No, Y/N, true/false, 1/0 for yes-no attributes; 0–100 for percents; YYYY-MM-DD for dates.
 */
export function parseAttributeValue(definition: AttributeDefinition, raw: string): AttributeParse {
  const text = raw.trim();
  if (text === "") return { ok: true, value: null };
  switch (definition.type) {
    case "boolean": {
      const word = text.toLowerCase();
      if (TRUE_WORDS.has(word)) return { ok: true, value: true };
      if (FALSE_WORDS.has(word)) return { ok: true, value: false };
      return { ok: false, message: `${definition.label} must be Yes or No (or empty when not known); got “${text.slice(0, 40)}”` };
    }
    case "percent": {
      const value = Number(text.replace(/%$/, ""));
      if (!/^\d{1,3}(\.\d{1,2})?%?$/.test(text) || !Number.isFinite(value) || value < 0 || value > 100) {
        return { ok: false, message: `${definition.label} must be a number from 0 to 100; got “${text.slice(0, 40)}”` };
      }
      return { ok: true, value };
    }
    case "date":
      if (!realDate(text)) return { ok: false, message: `${definition.label} must be a real date as YYYY-MM-DD; got “${text.slice(0, 40)}”` };
      return { ok: true, value: text };
    case "text": {
      // eslint-disable-next-line no-control-regex -- control characters are refused, not stored
      if (/[\u0000-\u001f\u007f]/.test(text)) return { ok: false, message: `${definition.label} cannot contain control characters` };
      if (text.length > 80) return { ok: false, message: `${definition.label} must be at most 80 characters` };
      return { ok: true, value: text };
    }
  }
}

/** The stored attributes of one licensee (jsonb), validated: unknown keys and bad values are dropped. */
export const storedAttributesSchema = z.record(z.string(), z.unknown()).transform((raw) => {
  const out: LicenseeAttributes = {};
  for (const definition of LICENSEE_ATTRIBUTES) {
    const value = raw[definition.key];
    if (value === undefined || value === null) continue;
    const parsed = parseAttributeValue(definition, typeof value === "boolean" ? (value ? "yes" : "no") : String(value));
    if (parsed.ok && parsed.value !== null) out[definition.key] = parsed.value;
  }
  return out;
});

/** A value as a board reads it: "Yes", "No", "35%", "2019-07-01", or "Not known". */
export function formatAttributeValue(definition: AttributeDefinition, value: boolean | string | number | undefined | null): string {
  if (value === undefined || value === null) return "Not known";
  if (definition.type === "boolean") return value === true ? "Yes" : "No";
  if (definition.type === "percent") return `${value}%`;
  return String(value);
}
