// A tagged template for DuckDB SQL: values become numbered parameters ($1, $2, …), fragments
// compose, and nothing a user typed is ever spliced into the text. The DuckDB twin of Kysely's `sql`.

export type DuckValue = string | number | boolean | null;

export class DuckSql {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly DuckValue[],
  ) {}

  /** The text with $n placeholders and the values in order. */
  compile(): { text: string; values: DuckValue[] } {
    let text = this.strings[0] ?? "";
    for (let i = 1; i < this.strings.length; i++) text += `$${i}${this.strings[i] ?? ""}`;
    return { text, values: [...this.values] };
  }
}

type Arg = DuckSql | DuckValue;

/** dsql`select … where board_code = ${code}`: values as parameters, DuckSql fragments inlined. */
export function dsql(strings: TemplateStringsArray | readonly string[], ...args: Arg[]): DuckSql {
  const parts: string[] = [strings[0] ?? ""];
  const values: DuckValue[] = [];
  args.forEach((arg, i) => {
    const next = strings[i + 1] ?? "";
    if (arg instanceof DuckSql) {
      // Splice the fragment: its first part joins our current part, its last part starts the next.
      parts[parts.length - 1] += arg.strings[0] ?? "";
      for (let j = 1; j < arg.strings.length; j++) parts.push(arg.strings[j] ?? "");
      values.push(...arg.values);
      parts[parts.length - 1] += next;
    } else {
      values.push(arg);
      parts.push(next);
    }
  });
  return new DuckSql(parts, values);
}

/** Fragments joined by a separator (" and ", ", "). */
export function join(fragments: readonly DuckSql[], separator: string): DuckSql {
  if (fragments.length === 0) return raw("");
  const strings = [""];
  const args: Arg[] = [];
  fragments.forEach((fragment, i) => {
    if (i > 0) strings[strings.length - 1] += separator;
    args.push(fragment);
    strings.push("");
  });
  return dsql(strings, ...args);
}

/** Trusted SQL text (identifiers and keywords from our own code, never input). */
export function raw(text: string): DuckSql {
  return new DuckSql([text], []);
}

/** `(v1, v2, …)` for an IN list; a list must not be empty (the caller decides what empty means). */
export function list(values: readonly DuckValue[]): DuckSql {
  if (values.length === 0) throw new Error("an empty IN list has no meaning here");
  return dsql(["(", ...values.slice(1).map(() => ", "), ")"], ...values);
}
