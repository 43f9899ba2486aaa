// The roster template a board downloads (pure, browser-safe): the header row the upload reads, with
// the required columns first, then the optional NPI and the organization's own licensee-attribute
// columns, and one example row a board replaces with its own licensees.
import { ORGANISATION_ATTRIBUTES, attributeDefinition, type AttributeDefinition } from "./licensee-attributes";

export interface TemplateColumn {
  name: string;
  required: boolean;
  /** What the column holds, for the page beside the download link. */
  description: string;
  example: string;
}

const EXAMPLE_BY_TYPE: Record<AttributeDefinition["type"], string> = {
  boolean: "Yes",
  text: "Internal Medicine",
  percent: "25",
  date: "2015-07-01",
};

/** The header name of an attribute: its first accepted name, as a column heading (spaces as underscores). */
export function attributeColumnName(definition: AttributeDefinition): string {
  return (definition.aliases[0] ?? definition.key).trim().toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}

/** The template's columns for an organization (`certifying`: board ids and certification cycles). */
export function rosterTemplateColumns(orgCode: string, certifying: boolean, today: string): TemplateColumn[] {
  const nextYear = Number(today.slice(0, 4)) + 1;
  const columns: TemplateColumn[] = [
    certifying
      ? { name: "board_id", required: true, description: "The diplomate's board ID, as the board issues it", example: "123456" }
      : { name: "license_id", required: true, description: "The license number, as the board issues it", example: "A123456" },
    { name: "first_name", required: true, description: "First name", example: "Jane" },
    { name: "last_name", required: true, description: "Last name", example: "Doe" },
    { name: "birth_date", required: true, description: "Month and day of birth, MM/DD (never the year)", example: "04/17" },
    { name: "npi", required: false, description: "National Provider Identifier, 10 digits (optional: helps matching)", example: "1234567893" },
    {
      name: "cycle_end",
      required: true,
      description: certifying ? "Last day of the certification cycle, YYYY-MM-DD or MM/DD/YYYY" : "License expiration date (end of the renewal cycle), YYYY-MM-DD or MM/DD/YYYY",
      example: `${nextYear}-04-30`,
    },
  ];
  for (const key of ORGANISATION_ATTRIBUTES[orgCode] ?? []) {
    const definition = attributeDefinition(key);
    if (!definition) continue;
    columns.push({ name: attributeColumnName(definition), required: false, description: `${definition.label} (optional): ${definition.help}`, example: EXAMPLE_BY_TYPE[definition.type] });
  }
  return columns;
}

const csvCell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** The template file: the header and one example row, CRLF line ends (what spreadsheet programs write). */
export function rosterTemplateCsv(columns: readonly TemplateColumn[]): string {
  return `${columns.map((c) => csvCell(c.name)).join(",")}\r\n${columns.map((c) => csvCell(c.example)).join(",")}\r\n`;
}
