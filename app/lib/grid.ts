// URL state of a server-side grid (browser-safe): filters, sort, page size, keyset cursor and hidden
// columns, all parsed from the search params by one spec per grid. Each parameter is parsed on its
// own, so a bad value is reported beside its field and ignored while the rest of the page works.
import { z } from "zod";
import { isMonthDay } from "../../domain/calendar";
import { isValidNpi } from "../../domain/npi";
import { DATE_RANGE_MESSAGE, isDateInRange } from "./dates";

export const PAGE_SIZES = [25, 50, 100] as const;
export type PageSize = (typeof PAGE_SIZES)[number];

/** A filter: a zod schema over the raw value (a string, or every value for `multiple`). */
export interface FilterSpec<T = unknown> {
  schema: z.ZodType<T>;
  multiple?: boolean;
}

export interface GridSpec<F extends Record<string, FilterSpec>> {
  filters: F;
  /** Whitelisted sort ids (column ids the server can order by). */
  sorts: readonly string[];
  defaultSort: { id: string; desc: boolean };
  /** Column ids that can be hidden. */
  columns: readonly string[];
}

export type FilterValues<F extends Record<string, FilterSpec>> = {
  [K in keyof F]?: F[K] extends FilterSpec<infer T> ? T : never;
};

export interface GridState<F extends Record<string, FilterSpec>> {
  filters: FilterValues<F>;
  sort: { id: string; desc: boolean };
  size: PageSize;
  /** Opaque keyset cursors (decoded and checked by the model). */
  after: string | null;
  before: string | null;
  /** 1-based page number, for display and the "Previous" link. */
  page: number;
  /** The final page, read backwards from the end (`page=last`). */
  last: boolean;
  /** Columns hidden (of those shown by default) and shown (of those hidden by default). */
  hidden: string[];
  shown: string[];
  /** Messages keyed by parameter name (a filter name, or sort / size / page / cursor / hide). */
  errors: Record<string, string>;
}

/** Parameters that are not filters. */
export const CONTROL_PARAMS = ["sort", "dir", "size", "after", "before", "page", "hide", "show"] as const;

/**
 * Error keys about the view rather than the rows (sort, size, page, cursor, columns): their problems
 * are notices above a grid that still lists. Any other key is a filter's, and a filter that could
 * not be read lists nothing.
 */
export const VIEW_ERROR_KEYS = ["sort", "dir", "size", "page", "cursor", "hide", "show"] as const;

/** A grid's messages split into the filters' (beside their fields) and the view's (notices). */
export function splitGridErrors(errors: Record<string, string>): { filterErrors: Record<string, string>; notices: string[] } {
  const view = VIEW_ERROR_KEYS as readonly string[];
  return {
    filterErrors: Object.fromEntries(Object.entries(errors).filter(([key]) => !view.includes(key))),
    notices: VIEW_ERROR_KEYS.flatMap((key) => (errors[key] ? [errors[key]] : [])),
  };
}

/** How many pages `total` rows fill (at least one, so an empty result is "page 1 of 1"). */
export function pageCount(total: number, size: number): number {
  return Math.max(1, Math.ceil(total / size));
}

/** Rows on the final page of `total` rows (the last page is read backwards from the end). */
export function lastPageRows(total: number, size: number): number {
  return total === 0 ? size : total - (pageCount(total, size) - 1) * size;
}

const cursorSchema = z.string().regex(/^[A-Za-z0-9_-]{1,600}$/, "That page link is not valid; showing the first page.");
const pageSchema = z.coerce
  .number({ error: "Page must be a whole number of 1 or more; showing the first page." })
  .int("Page must be a whole number of 1 or more; showing the first page.")
  .min(1, "Page must be a whole number of 1 or more; showing the first page.")
  .max(1_000_000, "Page number is too large; showing the first page.");

function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? "Not a valid value.";
}

export function parseGridState<F extends Record<string, FilterSpec>>(spec: GridSpec<F>, params: URLSearchParams): GridState<F> {
  const errors: Record<string, string> = {};
  const filters: Record<string, unknown> = {};
  for (const [name, filter] of Object.entries(spec.filters)) {
    const raw = filter.multiple ? params.getAll(name).filter((v) => v !== "") : params.get(name);
    if (raw === null || raw === "" || (Array.isArray(raw) && raw.length === 0)) continue;
    if (!filter.multiple && params.getAll(name).length > 1) {
      errors[name] = "Give this filter once.";
      continue;
    }
    const result = filter.schema.safeParse(raw);
    if (result.success) filters[name] = result.data;
    else errors[name] = firstIssue(result.error);
  }

  let sort = spec.defaultSort;
  const sortId = params.get("sort");
  const dir = params.get("dir");
  if (sortId !== null && sortId !== "") {
    if (spec.sorts.includes(sortId)) {
      sort = { id: sortId, desc: dir === "desc" };
      if (dir !== null && dir !== "asc" && dir !== "desc") errors.dir = "Sort direction must be asc or desc; sorting ascending.";
    } else {
      errors.sort = `Cannot sort by "${sortId.slice(0, 40)}"; sorted by the default order instead.`;
    }
  } else if (dir !== null && dir !== "") {
    if (dir === "asc" || dir === "desc") sort = { id: spec.defaultSort.id, desc: dir === "desc" };
    else errors.dir = "Sort direction must be asc or desc.";
  }

  let size: PageSize = PAGE_SIZES[0];
  const rawSize = params.get("size");
  if (rawSize !== null && rawSize !== "") {
    const n = Number(rawSize);
    if ((PAGE_SIZES as readonly number[]).includes(n)) size = n as PageSize;
    else errors.size = `Rows per page must be ${PAGE_SIZES.join(", ")}; showing ${PAGE_SIZES[0]}.`;
  }

  let after: string | null = null;
  let before: string | null = null;
  let page = 1;
  for (const key of ["after", "before"] as const) {
    const raw = params.get(key);
    if (raw === null || raw === "") continue;
    const parsed = cursorSchema.safeParse(raw);
    if (parsed.success) {
      if (key === "after") after = parsed.data;
      else before = parsed.data;
    } else errors.cursor = firstIssue(parsed.error);
  }
  if (after && before) {
    errors.cursor = "A page link cannot go both forward and back; showing the first page.";
    after = before = null;
  }
  const rawPage = params.get("page");
  let last = false;
  if (rawPage === "last") {
    // The final page: read backwards from the end, whatever cursor came with it.
    last = true;
    after = before = null;
  } else if (rawPage !== null && rawPage !== "") {
    const parsed = pageSchema.safeParse(rawPage);
    if (parsed.success) page = parsed.data;
    else {
      errors.page = firstIssue(parsed.error);
      after = before = null;
    }
  }
  if (!after && !before) page = 1;

  const columnList = (key: "hide" | "show") => {
    const ids: string[] = [];
    for (const id of params.getAll(key)) {
      if (spec.columns.includes(id)) {
        if (!ids.includes(id)) ids.push(id);
      } else errors[key] = `There is no column "${id.slice(0, 40)}" to ${key}.`;
    }
    return ids;
  };
  const hidden = columnList("hide");
  const shown = columnList("show");

  return { filters: filters as FilterValues<F>, sort, size, after, before, page, last, hidden, shown, errors };
}

/** The search params for the same grid with some values changed (null or [] removes a key). */
export function withParams(params: URLSearchParams, changes: Record<string, string | string[] | null>): string {
  const next = new URLSearchParams(params);
  for (const [key, value] of Object.entries(changes)) {
    next.delete(key);
    if (value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) next.append(key, v);
  }
  const text = next.toString();
  return text ? `?${text}` : "?";
}

/** The same filters on the first page: what every sort, size or filter change links to. */
export function firstPage(params: URLSearchParams, changes: Record<string, string | string[] | null> = {}): string {
  return withParams(params, { after: null, before: null, page: null, ...changes });
}

/** Only the filter parameters of a URL (for exports and "clear" links). */
export function filterParams(params: URLSearchParams, filterNames: readonly string[]): URLSearchParams {
  const next = new URLSearchParams();
  for (const [key, value] of params) if (filterNames.includes(key)) next.append(key, value);
  return next;
}

// ---------------------------------------------------------------- columns

export interface ColumnDef<R> {
  id: string;
  label: string;
  /** Sortable columns are sort ids too. */
  sortable: boolean;
  /** The direction of the first click on the header. */
  firstDir?: "asc" | "desc";
  align?: "right";
  /** Shown only to organisations that see more than one board (ACCME). */
  multiBoardOnly?: boolean;
  /** Hidden until the reviewer asks for it. */
  hiddenByDefault?: boolean;
  /**
   * How much the column decides (default 2): 1 is what a reviewer decides on (credits, status,
   * decision, flags) and always keeps its own column; 3 is detail, shown in the row's "More" panel
   * instead of a column of its own, so the decisive columns fit a 1366 px screen.
   */
  priority?: 1 | 2 | 3;
  /** The cell's width class: "narrow" (numbers, codes, dates), "text" (wraps; names, titles). */
  width?: "narrow" | "text";
  /** The cell as exported (CSV and XLSX): the same column, the same order as on screen. */
  exportValue(row: R): string | number | null;
  exportKind?: "text" | "number" | "date" | "timestamp";
}

/**
 * Columns shown, in order: hidden-by-default ones appear when named in `show`, others disappear
 * when named in `hide`; board-level columns only for multi-board organisations.
 */
export function visibleColumns<R>(columns: readonly ColumnDef<R>[], hidden: readonly string[], shown: readonly string[], multiBoard: boolean): ColumnDef<R>[] {
  return columns.filter((c) => {
    if (c.multiBoardOnly && !multiBoard) return false;
    if (c.hiddenByDefault) return shown.includes(c.id);
    return !hidden.includes(c.id);
  });
}

// ---------------------------------------------------------------- shared field schemas

const message = (text: string) => ({ error: text });

/**
 * A calendar date YYYY-MM-DD that exists and lies in the app's date range (app/lib/dates.ts):
 * year 0, 9999-12-31 or an extended year would pass a plain date check and then fail in PostgreSQL.
 */
export const isoDate = z.iso
  .date(message("Enter a real date as YYYY-MM-DD."))
  .refine(isDateInRange, DATE_RANGE_MESSAGE);

/** A name prefix: letters (any script), spaces, apostrophes, hyphens and periods. */
export const namePrefix = z
  .string()
  .trim()
  .min(1, "Enter at least one letter.")
  .max(60, "Use at most 60 characters.")
  .regex(/^[\p{L}\p{M}' .\-’]+$/u, "Use letters, spaces, apostrophes or hyphens only.");

/** Birth month and day as MM/DD (the store never holds the year). */
export const birthMonthDay = z
  .string()
  .trim()
  .regex(/^\d{1,2}\/\d{1,2}$/, "Enter the birth date as MM/DD, e.g. 03/17.")
  .transform((value, ctx) => {
    const [m, d] = value.split("/").map(Number) as [number, number];
    if (!isMonthDay(m, d)) {
      ctx.addIssue({ code: "custom", message: "That month and day do not exist." });
      return z.NEVER;
    }
    return { month: m, day: d };
  });

/** A licence or board id as a board issues it: letters, digits, dot and hyphen. */
export const learnerIdentifier = z
  .string()
  .trim()
  .min(1, "Enter an id.")
  .max(30, "Use at most 30 characters.")
  .regex(/^[A-Za-z0-9.-]+$/, "Use letters, digits, dots or hyphens only.")
  .transform((value) => value.toUpperCase());

export const npi = z
  .string()
  .trim()
  .regex(/^\d{10}$/, "An NPI is 10 digits.")
  .refine(isValidNpi, "That is not a valid NPI (its check digit does not match).");

/** "on", "true", "1" or "yes": a checkbox filter. */
export const flag = z
  .string()
  .transform((v) => v.toLowerCase())
  .refine((v) => ["on", "true", "1", "yes"].includes(v), "Use 1 to turn this filter on.")
  .transform(() => true as const);

/** A date range's two ends; the caller checks their order. */
export function dateRangeError(from: string | undefined, to: string | undefined): string | null {
  return from && to && from > to ? "The start date is after the end date." : null;
}
