// What must never reach a client: the signs of an internal error (stack frames, server paths, SQL
// and database messages). The fuzz test checks every answer against them, and so do the tests of
// hostile input and of a database outage.

/** Signs of an internal error reaching the client: stack frames, server paths, SQL and database messages. */
export const LEAKS: [string, RegExp][] = [
  ["a stack frame", /\bat (?:async )?(?:[\w$.<>[\]]+ )?\(?(?:file:\/\/|node:|\/)[^\s()"]*:\d+(?::\d+)?\)?/],
  ["node_modules", /node_modules/],
  ["a source line reference", /\.(?:tsx?|jsx?|mjs|cjs):\d+/],
  ["an error name", /\b(?:TypeError|RangeError|ReferenceError|SyntaxError|AggregateError|DatabaseError|URIError|Error): \S/],
  ["SQL (select … from)", /\bselect\b[^<>]{1,300}?\bfrom\s+"?(?:learner|board|pg_\w+|information_schema|main)\b/],
  ["a PostgreSQL name", /\bpg_[a-z_]+/],
  ["a syntax error", /syntax error/i],
  ["a relation name", /relation "[^"]*" (?:does not exist|already exists)|of relation "/],
  ["a constraint violation", /\bviolates\b/],
  // (The app's own "There is no column "x" to hide." is fine; PostgreSQL's messages are not.)
  ["a column name", /column "[^"]*" (?:does not exist|of relation|is of type|must appear|is ambiguous|cannot)/],
  ["invalid input syntax", /invalid input syntax/],
  ["a duplicate key", /duplicate key value/],
  ["a DuckDB error", /\b(?:Binder|Parser|Conversion|Catalog|Invalid Input|Out of Range|Constraint) Error\b/],
  ["a server path", new RegExp(process.cwd().replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))],
];

/** The kinds of leak found in `text` (empty when none). */
export function leaksIn(text: string): string[] {
  return LEAKS.filter(([, pattern]) => pattern.test(text)).map(([what]) => what);
}
