// How many roster uploads run at once (decision 018, "Roster uploads"). An upload holds up to 5 MB
// of file in memory while it is read, then parses it (seconds of CPU for the largest allowed file,
// in slices between other users' requests) and writes it in one transaction: one at a time per user,
// and a couple at once for everyone, bounds what uploads can take from everyone else. Beyond it an
// upload is refused at once with 429 and Retry-After, shown on the upload page; nothing queues.
import { EventEmitter } from "node:events";
import { overLimit, type AdmissionLimits } from "./admission.server";

export const UPLOAD_LIMITS = {
  /**
   * Uploads one user may have running at once. A supervisor uploads one roster and waits for its
   * result; a second at the same moment is a double click or a script.
   */
  perUser: 1,
  /**
   * Uploads at once for everyone: the largest allowed upload keeps one core busy for a few seconds
   * (two cores on the reference machine), so a third would slow every page without finishing sooner.
   */
  global: 2,
  /** What a refused upload is told to wait (Retry-After): about what the largest allowed upload takes. */
  retryAfterSeconds: 10,
} as const;

export type UploadLimits = AdmissionLimits;

export interface UploadTicket {
  readonly id: number;
  readonly userId: string;
  /** Frees the slot (idempotent) and announces it on the gate's `released` event. */
  release(): void;
}

export type Admission = { ok: true; ticket: UploadTicket } | { ok: false; message: string; retryAfterSeconds: number };

/**
 * Admission of roster uploads: a per-user and a global count of uploads in flight. `admitted` and
 * `released` events carry each ticket (tests wait on them; nothing else listens).
 */
export class UploadGate extends EventEmitter {
  readonly #active = new Set<UploadTicket>();
  #next = 1;

  constructor(readonly limits: UploadLimits = UPLOAD_LIMITS) {
    super();
  }

  get active(): readonly UploadTicket[] {
    return [...this.#active];
  }

  admit(userId: string): Admission {
    const retryAfterSeconds = this.limits.retryAfterSeconds;
    const over = overLimit(this.#active, userId, this.limits);
    if (over?.limit === "perUser") {
      return { ok: false, message: "Your previous roster upload is still being read. Wait for its result, then upload again.", retryAfterSeconds };
    }
    if (over?.limit === "global") {
      return { ok: false, message: `Other rosters are being uploaded just now. Try again in ${retryAfterSeconds} seconds.`, retryAfterSeconds };
    }
    let released = false;
    const ticket: UploadTicket = {
      id: this.#next++,
      userId,
      release: () => {
        if (released) return;
        released = true;
        this.#active.delete(ticket);
        this.emit("released", ticket);
      },
    };
    this.#active.add(ticket);
    this.emit("admitted", ticket);
    return { ok: true, ticket };
  }
}
