/**
 * Session resumption, as SSL Labs and sslyze report it: two complete handshakes (./handshake.ts), the
 * second offering the session the first was given, and whether the server resumed it. Three mechanisms:
 * TLS ≤ 1.2 session IDs (the ticket extension not offered, so only the server's session cache can resume),
 * TLS ≤ 1.2 session tickets (RFC 5077), TLS 1.3 PSK tickets (NewSessionTicket after the handshake). The
 * first TLS 1.3 handshake offers ALPN too: TLS 1.3 encrypts the server's choice, so only a completed
 * handshake shows it.
 */

import type { TlsVersion } from "../../clients/handshake/index.js";
import type { EnumContext } from "./context.js";
import {
  type HandshakeAsk,
  type HandshakeSeen,
  nodeSpeaks,
  realHandshake,
  sessionFacts,
} from "./handshake.js";

/** One resumption mechanism (docs/schemas/tls.schema.json, `enumeration.resumption`). */
export interface ResumptionMechanism {
  version: TlsVersion;
  /** The server handed out a session ID or a ticket (null: not learnt). */
  issued: boolean | null;
  /** A second connection offering it was resumed (null: not learnt). */
  resumed: boolean | null;
  /** The ticket's lifetime hint, in seconds (tickets only; absent when the server gave none). */
  lifetimeSeconds?: number;
}

export interface Resumption {
  sessionId: ResumptionMechanism | null;
  ticket: ResumptionMechanism | null;
  tls13Ticket: ResumptionMechanism | null;
}

/** The protocols offered on TLS 1.3 to learn the server's ALPN choice (as the TLS 1.2 probe offers them). */
export const ALPN_OFFER = ["h2", "http/1.1"];

/** How long to wait after a TLS 1.3 handshake for the server's NewSessionTicket. */
const TICKET_WAIT_MS = 1_000;

export interface ResumptionRun {
  resumption: Resumption;
  /** The first TLS 1.3 handshake (SNI and ALPN offered), when the server speaks TLS 1.3. */
  tls13?: HandshakeSeen;
}

export async function probeResumption(ctx: EnumContext, spoken: TlsVersion[]): Promise<ResumptionRun> {
  const legacy = [...spoken].reverse().find((v) => v !== "TLSv1.3");
  const below13 = legacy && nodeSpeaks(legacy) ? legacy : undefined;
  if (legacy && !below13) ctx.unknown.push(`session resumption on ${legacy}: node's TLS does not speak it`);
  const [sessionId, ticket, tls13] = await Promise.all([
    below13 ? resumes(ctx, { version: below13, tickets: false }, "sessionId") : undefined,
    below13 ? resumes(ctx, { version: below13 }, "ticket") : undefined,
    spoken.includes("TLSv1.3")
      ? resumes(ctx, { version: "TLSv1.3", alpn: ALPN_OFFER, ticketWaitMs: TICKET_WAIT_MS }, "ticket")
      : undefined,
  ]);
  return {
    resumption: {
      sessionId: sessionId?.mechanism ?? null,
      ticket: ticket?.mechanism ?? null,
      tls13Ticket: tls13?.mechanism ?? null,
    },
    ...(tls13 ? { tls13: tls13.first } : {}),
  };
}

const LABELS = { sessionId: "session IDs", ticket: "session tickets" } as const;

/** One mechanism: a handshake, then, when the server gave a session ID or ticket, a second offering it. */
async function resumes(
  ctx: EnumContext,
  ask: HandshakeAsk,
  what: "sessionId" | "ticket",
): Promise<{ mechanism: ResumptionMechanism; first: HandshakeSeen }> {
  const version = ask.version;
  const unknown = (why: string) =>
    ctx.unknown.push(`session resumption (${version} ${LABELS[what]}): ${why}`);
  const first = await realHandshake(ctx, ask);
  if (!first.completed || first.failure) {
    unknown(first.failure ?? "the handshake failed");
    return { mechanism: { version, issued: null, resumed: null }, first };
  }
  const facts = first.session ? sessionFacts(first.session) : undefined;
  if (first.session && !facts) {
    unknown("the session could not be read");
    return { mechanism: { version, issued: null, resumed: null }, first };
  }
  const issued = facts?.[what] ?? false;
  const lifetime =
    what === "ticket" && facts?.lifetimeSeconds ? { lifetimeSeconds: facts.lifetimeSeconds } : {};
  if (!issued) return { mechanism: { version, issued, resumed: false }, first };
  const second = await realHandshake(ctx, { ...ask, ticketWaitMs: 0, session: first.session });
  const learnt = second.completed && !second.failure;
  if (!learnt) unknown(second.failure ?? "the second handshake failed");
  return {
    mechanism: { version, issued, resumed: learnt ? second.reused : null, ...lifetime },
    first,
  };
}
