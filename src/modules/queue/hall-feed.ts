import type { Platform } from '../../platform/module.ts';
import * as repo from './tickets.repository.ts';

// The live feed behind the hall display (Server-Sent Events). Call actions write their display
// event (queue.hall_event) in their own transaction; the feed reads new events from the database,
// so a display connected to one server process sees calls made through any other. Within a process
// a committed change nudges the feed at once; otherwise it looks every `pollMs`, and only for halls
// somebody is watching.

export interface FeedClient {
  /** Writes one SSE message. */
  send(message: string): void;
  /** Ends the response (shutdown). */
  end(): void;
}

export interface FeedEvent {
  id: number;
  kind: string;
  at: string;
  number: string | null;
  windowNumber: number | null;
  windowName: string | null;
  serviceName: string | null;
}

/** One SSE message: `id`, `event` and a JSON `data` line. */
export const sseMessage = (e: FeedEvent): string => `id: ${e.id}\nevent: ${e.kind}\ndata: ${JSON.stringify(e)}\n\n`;

const toFeedEvent = (r: repo.HallEventRow): FeedEvent => ({
  id: r.id,
  kind: r.kind,
  at: new Date(r.at).toISOString(),
  number: r.display_number,
  windowNumber: r.window_number,
  windowName: r.window_name,
  serviceName: r.service_name,
});

/** Events committed up to this long after a later id still reach the displays. */
const LATE_COMMIT_MS = 60_000;

interface WatchedHall {
  clients: Set<FeedClient>;
  cursor: number;
  /** Event id → when it was sent, for the late-commit window. */
  seen: Map<number, number>;
  isPolling: boolean;
  isDirty: boolean;
}

const feedsOf = new WeakMap<Platform, Set<HallFeed>>();

/** Tells this process's feeds that a hall changed (after the change committed). */
export function signalHall(platform: Platform, hallId: string): void {
  for (const feed of feedsOf.get(platform) ?? []) feed.nudge(hallId);
}

export class HallFeed {
  private readonly halls = new Map<string, WatchedHall>();
  private readonly pollTimer: NodeJS.Timeout;
  private readonly heartbeatTimer: NodeJS.Timeout;
  private isClosed = false;

  constructor(
    private readonly platform: Platform,
    opts: { pollMs?: number; heartbeatMs?: number } = {},
  ) {
    // unref: an idle feed never keeps the process alive.
    this.pollTimer = setInterval(() => {
      for (const id of this.halls.keys()) this.nudge(id);
    }, opts.pollMs ?? 1000).unref();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), opts.heartbeatMs ?? 15_000).unref();
    let set = feedsOf.get(platform);
    if (!set) feedsOf.set(platform, (set = new Set()));
    set.add(this);
  }

  get clientCount(): number {
    let n = 0;
    for (const h of this.halls.values()) n += h.clients.size;
    return n;
  }

  /**
   * Adds a display. With `lastEventId` (the browser's Last-Event-ID after a reconnect) it first gets
   * what it missed. Returns the function that removes it.
   */
  async subscribe(hallId: string, client: FeedClient, lastEventId?: number): Promise<() => void> {
    let hall = this.halls.get(hallId);
    if (!hall) {
      const db = this.platform.db;
      const since = new Date(this.platform.clock.now().getTime() - LATE_COMMIT_MS);
      const cursor = await repo.lastHallEventId(db, hallId);
      const recent = await repo.hallEventsSince(db, hallId, cursor, since);
      hall = this.halls.get(hallId); // another subscriber may have set it up meanwhile
      if (!hall) {
        hall = { clients: new Set(), cursor, seen: new Map(recent.map((r) => [r.id, Date.now()])), isPolling: false, isDirty: false };
        this.halls.set(hallId, hall);
      }
    }
    if (lastEventId !== undefined && lastEventId < hall.cursor) {
      const missed = await repo.hallEventsAfter(this.platform.db, hallId, lastEventId);
      for (const r of missed) if (r.id <= hall.cursor) client.send(sseMessage(toFeedEvent(r)));
    }
    hall.clients.add(client);
    client.send(': connected\n\n');
    return () => {
      const h = this.halls.get(hallId);
      if (!h) return;
      h.clients.delete(client);
      if (h.clients.size === 0) this.halls.delete(hallId);
    };
  }

  /** Reads and sends the hall's new events now (coalesced while a read is running). */
  nudge(hallId: string): void {
    const hall = this.halls.get(hallId);
    if (!hall || this.isClosed) return;
    if (hall.isPolling) {
      hall.isDirty = true;
      return;
    }
    hall.isPolling = true;
    void this.poll(hallId, hall).finally(() => {
      hall.isPolling = false;
      if (hall.isDirty) {
        hall.isDirty = false;
        this.nudge(hallId);
      }
    });
  }

  private async poll(hallId: string, hall: WatchedHall): Promise<void> {
    try {
      const since = new Date(this.platform.clock.now().getTime() - LATE_COMMIT_MS);
      const rows = await repo.hallEventsSince(this.platform.db, hallId, hall.cursor, since);
      const nowMs = Date.now();
      for (const r of rows) {
        if (hall.seen.has(r.id)) continue;
        hall.seen.set(r.id, nowMs);
        hall.cursor = Math.max(hall.cursor, r.id);
        const message = sseMessage(toFeedEvent(r));
        for (const c of hall.clients) c.send(message);
      }
      for (const [id, at] of hall.seen) if (at < nowMs - 2 * LATE_COMMIT_MS) hall.seen.delete(id);
    } catch {
      // The database is away (restart, shutdown): the next tick tries again.
    }
  }

  /** A comment line keeps proxies from closing an idle stream and lets the browser notice a dead one. */
  private heartbeat(): void {
    for (const h of this.halls.values()) for (const c of h.clients) c.send(': ping\n\n');
  }

  /** Ends every stream: open streams must not hold up the server's shutdown. */
  close(): void {
    this.isClosed = true;
    clearInterval(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    for (const h of this.halls.values()) for (const c of h.clients) c.end();
    this.halls.clear();
    feedsOf.get(this.platform)?.delete(this);
  }
}
