import { sql, type ExpressionBuilder, type Selectable } from "kysely";
import type { TaskRepository } from "../instance-port.js";
import type { Task, TaskState } from "../instance-records.js";
import type { Schema, StoredTimestamp, TasksTable } from "../schema.js";
import { translated, type RepoContext } from "./context.js";

const ACTIVE: TaskState[] = ["pending", "running"];

/**
 * How many times `claim` retries after a competitor took the task it picked. Each lost race means
 * another task manager made progress, so giving up after a few rounds only delays this one to its
 * next poll.
 */
const CLAIM_ROUNDS = 10;

/** Pending, or running under a lease that ran out before `now` (its owner died or hung). */
const runnable = (now: StoredTimestamp) => (eb: ExpressionBuilder<Schema, "tasks">) =>
  eb.or([
    eb("state", "=", "pending" satisfies TaskState),
    eb.and([eb("state", "=", "running" satisfies TaskState), eb("lease_until", "<", now)]),
  ]);

export function taskRepository({ db, profile }: RepoContext): TaskRepository {
  const { json, timestamp } = profile.codec;
  const toTask = (r: Selectable<TasksTable>): Task => ({
    id: r.id,
    instanceId: r.instance_id,
    kind: r.kind,
    // The check constraint keeps it one of TASK_STATES.
    state: r.state as TaskState,
    step: r.step,
    data: json.decode(r.data) as Record<string, unknown>,
    attempts: r.attempts,
    leaseOwner: r.lease_owner,
    leaseUntil: r.lease_until === null ? null : timestamp.decode(r.lease_until),
    error: r.error,
    createdAt: timestamp.decode(r.created_at),
    updatedAt: timestamp.decode(r.updated_at),
  });
  const select = () => db.selectFrom("tasks").selectAll();
  /** An update of a task that `owner` still holds; the caller adds `.set(…)`. */
  const held = (id: string, owner: string) =>
    db
      .updateTable("tasks")
      .where("id", "=", id)
      .where("lease_owner", "=", owner)
      .where("state", "=", "running" satisfies TaskState);

  const repo: TaskRepository = {
    async create(t) {
      const created = timestamp.encode(t.createdAt);
      const row = await db
        .insertInto("tasks")
        .values({
          id: t.id,
          instance_id: t.instanceId,
          kind: t.kind,
          state: "pending" satisfies TaskState,
          step: null,
          data: json.encode(t.data),
          attempts: 0,
          lease_owner: null,
          lease_until: null,
          error: null,
          created_at: created,
          updated_at: created,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toTask(row);
    },
    async get(id) {
      const row = await select().where("id", "=", id).executeTakeFirst();
      return row && toTask(row);
    },
    async activeFor(instanceId) {
      const row = await select()
        .where("instance_id", "=", instanceId)
        .where("state", "in", ACTIVE)
        .executeTakeFirst();
      return row && toTask(row);
    },
    async list(filter = {}) {
      let q = select().orderBy("created_at").orderBy("id");
      if (filter.instanceId !== undefined) q = q.where("instance_id", "=", filter.instanceId);
      if (filter.state !== undefined) q = q.where("state", "=", filter.state);
      return (await q.execute()).map(toTask);
    },
    async claim(owner, now, leaseMs) {
      const when = timestamp.encode(now);
      for (let round = 0; round < CLAIM_ROUNDS; round++) {
        const candidate = await db
          .selectFrom("tasks")
          .select("id")
          .where(runnable(when))
          .orderBy("created_at")
          .orderBy("id")
          .limit(1)
          .executeTakeFirst();
        if (candidate === undefined) return undefined;
        // Takes the task only if it is still runnable. On PostgreSQL a competitor's UPDATE of the
        // same row makes this one wait, then re-check the WHERE clause against the committed row
        // (and fail); SQLite runs one writer at a time. Either way exactly one claimer wins.
        const row = await db
          .updateTable("tasks")
          .set({
            state: "running" satisfies TaskState,
            lease_owner: owner,
            lease_until: timestamp.encode(new Date(now.getTime() + leaseMs)),
            attempts: sql<number>`attempts + 1`,
            updated_at: when,
          })
          .where("id", "=", candidate.id)
          .where(runnable(when))
          .returningAll()
          .executeTakeFirst();
        if (row) return toTask(row);
      }
      return undefined;
    },
    async renew(id, owner, until) {
      const result = await held(id, owner)
        .set({ lease_until: timestamp.encode(until) })
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async progress(id, owner, step, data, at) {
      const result = await held(id, owner)
        .set({ step, data: json.encode(data), updated_at: timestamp.encode(at) })
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async finish(id, owner, state, error, at) {
      // The owner stays on the row (who finished it); the lease itself is over.
      const result = await held(id, owner)
        .set({ state, error, lease_until: null, updated_at: timestamp.encode(at) })
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async cancelActive(instanceId, reason, at) {
      const result = await db
        .updateTable("tasks")
        .set({
          state: "cancelled" satisfies TaskState,
          error: reason,
          lease_until: null,
          updated_at: timestamp.encode(at),
        })
        .where("instance_id", "=", instanceId)
        .where("state", "in", ACTIVE)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
  return translated(repo, profile, {
    code: "TASK_ACTIVE",
    message: "The instance already has a task in progress.",
  });
}
