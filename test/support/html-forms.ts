// Reading a rendered page's forms as a browser would submit them untouched: each POST form's
// fields with their default values (unchecked boxes left out, the first named button pressed),
// in document order.

export function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** An attribute's value in a start tag ("" for a boolean attribute written as name=""), or null. */
export function attribute(tag: string, name: string): string | null {
  const m = tag.match(new RegExp(`\\s${name}="([^"]*)"`));
  return m ? unescapeHtml(m[1]!) : null;
}

export interface PageForm {
  /** The form's action attribute (null: the page itself). */
  action: string | null;
  encType: string;
  fields: [string, string][];
}

/** Every `method="post"` form on the page with the fields it would submit as rendered. */
export function postForms(html: string): PageForm[] {
  const forms: PageForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const open = `<form${m[1]!}>`;
    if (attribute(open, "method")?.toLowerCase() !== "post") continue;
    const fields: [string, string][] = [];
    let button = false;
    for (const tag of m[2]!.matchAll(/<(input|textarea|select|button)\b[^>]*>(?:([\s\S]*?)<\/\1>)?/g)) {
      const name = attribute(tag[0], "name");
      if (!name) continue;
      // The first named submit button is the one pressed.
      if (tag[1] === "button") {
        if (!button && !/type="(button|reset)"/.test(tag[0])) fields.push([name, attribute(tag[0], "value") ?? ""]);
        button = true;
      } else if (tag[1] === "textarea") fields.push([name, unescapeHtml(tag[2] ?? "")]);
      else if (tag[1] === "select") {
        const options = [...(tag[2] ?? "").matchAll(/<option\b[^>]*>/g)].map((o) => o[0]);
        const chosen = options.find((o) => /\sselected=""/.test(o)) ?? options[0] ?? "";
        fields.push([name, attribute(chosen, "value") ?? ""]);
      } else if (/type="(checkbox|radio)"/.test(tag[0]) && !/\schecked=""/.test(tag[0])) continue;
      else if (/type="(submit|button|file)"/.test(tag[0])) continue;
      else fields.push([name, attribute(tag[0], "value") ?? (/type="(checkbox|radio)"/.test(tag[0]) ? "on" : "")]);
    }
    forms.push({ action: attribute(open, "action"), encType: attribute(open, "enctype") ?? "application/x-www-form-urlencoded", fields });
  }
  return forms;
}
