import type { Selectable } from "kysely";
import type { InstanceEvent } from "../../domain/index.js";
import type { EventRepository } from "../observability-port.js";
import type { EventsTable } from "../schema.js";
import { translated, type RepoContext } from "./context.js";

export function eventRepository({ db, profile }: RepoContext): EventRepository {
  const { timestamp, json } = profile.codec;
  const toEvent = (r: Selectable<EventsTable>): InstanceEvent => ({
    id: r.id,
    at: timestamp.decode(r.at),
    // Written only from an EventKind (a kind only a newer Coffer knows is passed on as it is).
    kind: r.kind as InstanceEvent["kind"],
    instanceId: r.instance_id,
    projectId: r.project_id,
    cause: r.cause,
    details: json.decode(r.details) as InstanceEvent["details"],
  });
  const select = () => db.selectFrom("events").selectAll();

  const repo: EventRepository = {
    async record(event) {
      const row = await db
        .insertInto("events")
        .values({
          id: event.id,
          at: timestamp.encode(event.at),
          kind: event.kind,
          instance_id: event.instanceId,
          project_id: event.projectId,
          cause: event.cause,
          details: json.encode(event.details),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toEvent(row);
    },
    async get(id) {
      const row = await select().where("id", "=", id).executeTakeFirst();
      return row && toEvent(row);
    },
    async list(filter = {}) {
      let query = select();
      if (filter.instanceId !== undefined) query = query.where("instance_id", "=", filter.instanceId);
      if (filter.projectId !== undefined) query = query.where("project_id", "=", filter.projectId);
      if (filter.kind !== undefined) query = query.where("kind", "=", filter.kind);
      if (filter.since !== undefined) query = query.where("at", ">=", timestamp.encode(filter.since));
      if (filter.before !== undefined) {
        const marker = await db
          .selectFrom("events")
          .select(["at", "id"])
          .where("id", "=", filter.before)
          .executeTakeFirst();
        if (!marker) return [];
        query = query.where((eb) =>
          eb.or([eb("at", "<", marker.at), eb.and([eb("at", "=", marker.at), eb("id", "<", marker.id)])]),
        );
      }
      query = query.orderBy("at", "desc").orderBy("id", "desc");
      if (filter.limit !== undefined) query = query.limit(filter.limit);
      return (await query.execute()).map(toEvent);
    },
    async deleteBefore(at) {
      const result = await db.deleteFrom("events").where("at", "<", timestamp.encode(at)).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
  return translated(repo, profile, { code: "EVENT_EXISTS", message: "An event with this id exists." });
}
