// esri-client-check.mjs: calls a running "taskmock serve" with Esri's own
// JavaScript client, @esri/arcgis-rest-request, as a frontend would: it
// finds a task to start with hasNextTask, moves it with updateTask (the
// client's default form-encoded POST with f=json and token), and asserts
// that getTask sees each move; then that a refused move and a missing token
// reach the client as ArcGIS errors. Not run by CI: it needs npm.
//
// Usage:
//   go run ./cmd/taskmock serve --addr 127.0.0.1:4019 --now 2026-01-01T00:00:00Z --require-auth &
//   mkdir -p /tmp/esri-client && cd /tmp/esri-client && npm install @esri/arcgis-rest-request@4.10.2
//   node /path/to/taskmock/scripts/esri-client-check.mjs
//
// Environment: TASKMOCK_ROOT, the service root (default
// http://127.0.0.1:4019/arcgis/rest/services/SampleService); TASKMOCK_TOKEN,
// the token to send (default "demo"). The package is resolved from the
// current directory. Exit code 0 when every check passes.

import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import assert from "node:assert/strict";

const require = createRequire(process.cwd() + "/");
const { request, ArcGISRequestError, ArcGISAuthError } = await import(
  pathToFileURL(require.resolve("@esri/arcgis-rest-request")).href
);

const root = (process.env.TASKMOCK_ROOT ?? "http://127.0.0.1:4019/arcgis/rest/services/SampleService") + "/TopographicProductionServer";
const token = process.env.TASKMOCK_TOKEN ?? "demo";
const call = (op, params) => request(`${root}/${op}`, { params: { ...params, token } });

const getTask = async (job, op) =>
  (await call("workflows/tasks/getTask", { taskGroupJobId: job, taskOperationId: op })).task;

// Jobs to try: the reference page's, then a few more, until one has a task
// that can start now (every task before it ended).
const jobs = [
  "A031377A-E3C5-4C1A-A081-56285228A3A3",
  "150BFC70-EA45-4327-908D-D6E622CD8B93",
  "0C1AD6CD-04AC-430F-9A5D-3F9768755D68",
  ...Array.from({ length: 20 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`),
];

let job, op;
for (const candidate of jobs) {
  const next = await call("workflows/taskgroups/hasNextTask", { taskGroupJobId: candidate });
  assert.equal(next.success, true);
  assert.equal(next.hasNextTask, next.taskCount > 0);
  if (!next.hasNextTask) continue;
  try {
    const res = await call("workflows/tasks/updateTask", {
      taskGroupJobId: candidate, taskOperationId: next.nextTaskOperationId, status: 2,
    });
    assert.deepEqual(res, { taskOperationId: next.nextTaskOperationId, success: true });
    job = candidate;
    op = next.nextTaskOperationId;
    console.log(`hasNextTask ${candidate}: taskCount ${next.taskCount}, next ${op}`);
    break;
  } catch (e) {
    if (!(e instanceof ArcGISRequestError)) throw e;
    console.log(`job ${candidate}: ${e.message} (${e.response.error.details.join("; ")}), trying the next job`);
  }
}
assert.ok(job, "no job had a task that could start");

let task = await getTask(job, op);
console.log(`updateTask status=2 -> getTask: status ${task.status} (${task.statusCode}), startedOn ${task.startedOn}, taskOrder ${task.taskOrder}`);
assert.equal(task.status, "inProgress");
assert.equal(task.statusCode, 2);
assert.notEqual(task.startedOn, "");
assert.equal(task.endedOn, "");
const planned = [task.startOn, task.endOn, task.taskWorkId, task.assignTo];

await call("workflows/tasks/updateTask", { taskGroupJobId: job, taskOperationId: op, status: 3 });
task = await getTask(job, op);
console.log(`updateTask status=3 -> getTask: status ${task.status} (${task.statusCode}), startedOn ${task.startedOn}, endedOn ${task.endedOn}, duration ${task.duration}`);
assert.equal(task.status, "completed");
assert.ok(task.endedOn >= task.startedOn, "time moves forward");
assert.deepEqual([task.startOn, task.endOn, task.taskWorkId, task.assignTo], planned, "the same task");

const after = await call("workflows/taskgroups/hasNextTask", { taskGroupJobId: job });
console.log(`hasNextTask -> taskCount ${after.taskCount}, next ${after.nextTaskOperationId}`);
assert.notEqual(after.nextTaskOperationId, op.toLowerCase());

try {
  await call("workflows/tasks/updateTask", { taskGroupJobId: job, taskOperationId: op, status: 2 });
  assert.fail("a completed task must not start again");
} catch (e) {
  assert.ok(e instanceof ArcGISRequestError, String(e));
  assert.equal(e.code, 400);
  console.log(`updateTask status=2 on a completed task -> ${e.name}: ${e.message}: ${e.response.error.details[0]}`);
}

try {
  await request(`${root}/workflows/tasks/getTask`, { params: { taskGroupJobId: job, taskOperationId: op } });
  console.log("getTask without a token -> answered (the mock runs without --require-auth)");
} catch (e) {
  assert.ok(e instanceof ArcGISAuthError, String(e));
  console.log(`getTask without a token -> ${e.name}: ${e.message}`);
}
console.log("ok: @esri/arcgis-rest-request sees the moves of updateTask");
