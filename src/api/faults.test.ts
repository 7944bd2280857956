import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ConflictError,
  ForbiddenError,
  InternalError,
  InvalidStateError,
  NotFoundError,
  QuotaExceededError,
  ValidationError,
} from "../domain/index.js";
import { toFault } from "./faults.js";

test("each error kind maps to Trove's status and fault name", () => {
  const cases = [
    [new ValidationError("X", "bad"), 400, "badRequest"],
    [new ForbiddenError("X", "no"), 403, "forbidden"],
    [new NotFoundError("X", "gone"), 404, "itemNotFound"],
    [new ConflictError("X", "dup"), 409, "conflict"],
    [new QuotaExceededError("X", "Quota exceeded for resources: ['instances']."), 413, "overLimit"],
    [new InvalidStateError("X", "busy"), 422, "unprocessableEntity"],
  ] as const;
  for (const [err, status, name] of cases) {
    const fault = toFault(err, "req-1");
    assert.equal(fault.status, status);
    assert.deepEqual(fault.body, { [name]: { code: status, message: err.message } });
  }
});

test("internal errors hide their message and name the request id", () => {
  const fault = toFault(new InternalError("X", "connection string postgres://secret@db"), "req-42");
  assert.equal(fault.status, 500);
  const message = fault.body.instanceFault?.message ?? "";
  assert.match(message, /req-42/);
  assert.doesNotMatch(message, /secret/);
});
