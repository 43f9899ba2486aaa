// Reading a submitted form at the edge: only the two form encodings, read up to a size limit while
// it streams in, and anything malformed answered with a 400 that says so (never a 500).
import { formFields } from "./forms";

/** The app's own forms are small (the longest field is a 2,000-character note). */
export const FORM_BODY_LIMIT = 64 * 1024;

const FORM_TYPE = /^\s*(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i;

function refuse(message: string): Response {
  return new Response(message, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

async function readLimited(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > limit) throw refuse("The form is too large.");
  if (!request.body) return new Uint8Array(new ArrayBuffer(0));
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw refuse("The form is too large.");
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof Response) throw error;
    throw refuse("The form could not be read.");
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/**
 * The submitted form's fields (first value of each; files ignored), from a urlencoded or multipart
 * body of at most `limit` bytes. Throws a 400 Response for another content type, a body over the
 * limit, one that does not parse, or a field with a NUL character.
 */
export async function readFormFields(request: Request, limit = FORM_BODY_LIMIT): Promise<Record<string, string>> {
  const type = request.headers.get("content-type") ?? "";
  const kind = type.match(FORM_TYPE)?.[1]?.toLowerCase();
  if (!kind) throw refuse("Send the form as a form submission (application/x-www-form-urlencoded or multipart/form-data).");
  const bytes = await readLimited(request, limit);
  let formData: FormData;
  try {
    formData = await new Response(bytes, { headers: { "Content-Type": type } }).formData();
  } catch {
    throw refuse("The form could not be read.");
  }
  const fields = formFields(formData);
  // PostgreSQL text cannot hold U+0000, and no one types it: refused here, not at the insert.
  if (Object.entries(fields).some(([name, value]) => name.includes("\0") || value.includes("\0"))) {
    throw refuse("The form contains a NUL character (U+0000), which is not text. Remove it and send the form again.");
  }
  return fields;
}
