// Package mockserver is taskmock's mock of the two task APIs: an
// http.Handler, built by New, that answers like the real servers so that a
// frontend or a Go client works against it unchanged.
//
//   - Esri ArcGIS Topographic Production Server getTask, at any path that
//     ends in /TopographicProductionServer/workflows/tasks/getTask (EsriPath
//     is the one it advertises): GET, or POST with a form-encoded body as the
//     official JavaScript client sends it; f=json, f=pjson, f=html (the
//     default, a Services Directory page), and JSONP with callback. ArcGIS
//     errors are answered in ArcGIS's way: HTTP 200 and an
//     {"error": {"code", "message", "details"}} envelope, or with f=html
//     (and f absent) an HTML error page, as the Services Directory shows it.
//   - Beside getTask, under the same prefix (paths in any letter case, the
//     parameters checked against the embedded document, formats, auth and
//     errors as getTask's): workflows/tasks/updateTask, which moves a task
//     in the world; workflows/taskgroups/hasNextTask, the tasks of a job
//     left to start; workflows/taskgroups/getTaskGroups, the seed's
//     catalogue of task groups (no match: extendedCode -2147211775);
//     workflows/tasks/executeTaskJob, whose statusUrl, on the request's own
//     host, answers an ArcGIS error saying that the child job's status is
//     not documented. Any other path under /TopographicProductionServer/
//     answers an ArcGIS 400 envelope naming it.
//   - Oracle OCI Process Automation Get a Task, at /process/api/v1/tasks/{id}:
//     JSON, links built from oci-original-url or from the request's scheme
//     and host, totalResultsGrouped, Accept-Language; errors 401, 404, 429,
//     500 and 503 with one JSON body,
//     {"type", "title", "status", "detail", "o:errorCode"}, the shape the
//     embedded document's ErrorMessage declares.
//   - Oracle Reassign a Task (POST /process/api/v1/tasks/{id}/reassign,
//     204) and Reassign Tasks (POST /process/api/v1/tasks/reassign, 200 with
//     totalCount, sucessCount, failedCount and items): the world keeps the
//     latest reassignment of each task (world_oracle.go), and GET shows it.
//     The resources a task's links name that Oracle does not document
//     (the task list, comments, documents, payload) answer 501 in the same
//     error shape with a Taskmock-Error; other paths under /process/api/v1/
//     answer 404 in that shape.
//   - GET /__taskmock/health answers {"status":"ok"}, to any client and any
//     Host, with no CORS grant.
//
// # Tasks
//
// The same identity gives the same task: a task is a function of the
// server's seed, its clock and the request's ids, so two servers built with
// the same options give the same bytes. The clock is the generation anchor,
// not the time of the request: by default it is the start of the current
// UTC day when New runs, so a task stays the same across requests and
// restarts within a day (WithClock pins it). The bodies echo the request:
// Esri's task carries the request's taskOperationId, Oracle's task its id
// and links.
//
// Tasks come from the fixtures generator: realistic tasks that tell a
// consistent story and validate under the contract, in the language of
// Accept-Language (Content-Language says which). Prefer: example=seed asks
// instead for the embedded seed example, the one on the vendor's reference
// page, with the request's ids.
//
// # Esri task group jobs
//
// A task group job is a story (fixtures.EsriJob): a task group of the
// seed's catalogue and its series of five tasks, taskOrder 1 to 5, planned
// one after the other, at a progress point at the clock: completed before
// it, at most one in progress, ready or new after it. fixtures.EsriIdentity
// gives five consecutive identities to a job, in order. Another
// taskOperationId takes a place after the series, drawn from the id; once
// the world keeps the job, it remembers the places it gives (at most 64 per
// job) and moves a second id that draws a taken place to the next free one.
//
// updateTask moves a task: one not started (Unknown, Ready) to Unknown,
// Ready, InProgress (once every task before it has ended: completed, failed
// or canceled) or Canceled; one in progress to Completed, Failed or
// Canceled; an ended task keeps its status, and the status a task has is no
// move. A start stamps startedOn, an end endedOn and duration, with the
// world's clock: one second after the last move, from the server's clock,
// never the wall clock. status=4 with onFailureCancelTasks=true cancels the
// job's tasks that have not started. A refused move is an ArcGIS 400
// envelope whose details say why. A stored task (fixture, admin PUT) is
// not moved: updateTask answers an ArcGIS 400 saying so. hasNextTask counts
// the tasks not started, the series and the ids the world placed.
//
// Until the first move of an Esri job (and after a reset), getTask reads the
// stories alone, without the world's lock: the answer for an untouched task
// is the generator's.
//
// # Per-request control
//
// A request can ask for a given answer with the Prefer header (RFC 7240),
// several preferences separated by commas, or with the equivalent query
// parameters for links typed into a browser (a query parameter wins over the
// header; with Esri a form field counts as a query parameter):
//
//	Prefer: code=404          __code=404       a documented error (Esri: 400, 403,
//	                                           404, 498, 499, 500, -2147211775;
//	                                           Oracle: 401, 404, 429, 500, 503)
//	Prefer: example=seed      __example=seed   the seed example, with the request's ids
//	Prefer: status=completed  __status=...     Esri task status (see contract.EsriStatuses)
//	Prefer: state=COMPLETED   __state=...      Oracle task state (also substate, priority)
//	Prefer: delay=300ms       __delay=300ms    wait before answering (at most 20s;
//	                                           a bare number is milliseconds)
//	Prefer: scenario=progress __scenario=...   successive polls of a task move it
//	                                           along: Esri from where its job has
//	                                           it (the first poll) to inProgress,
//	                                           then completed, as updateTask would;
//	                                           Oracle on from where its story is,
//	                                           never back: UNASSIGNED, ASSIGNED
//	                                           (CLAIMED), COMPLETED (an ended
//	                                           task stays)
//
// An Esri status chooses a point of the task's own story: its planned
// dates, taskWorkId, assignee and effort stay, and no date passes the
// clock. The sibling Esri operations take code and delay only.
//
// Unknown preferences are ignored, as RFC 7240 asks. A known preference with
// a value the mock cannot honour is the caller's mistake, not the vendor's,
// and the answer says so with a Taskmock-Error header: Esri answers an
// ArcGIS 400 envelope (HTTP 200, as ArcGIS answers invalid parameters);
// Oracle, which documents no 400, answers HTTP 400 with its usual error
// body. Applied preferences are listed in Preference-Applied.
//
// The controls belong to the two APIs: they change only the answer they
// come with (and, for scenario=progress, the polls of that task), and are
// governed by the APIs' CORS setting. The wait before an answer, a delay
// on top of WithLatency's latency, is at most 30s and is not counted in
// the write timeout of the http.Server that runs the mock: the
// connection's write deadline moves by the wait, so a delayed answer is
// written whole.
//
// # Auth and CORS
//
// WithRequireAuth simulates secured services: Esri without a token answers
// 499 "Token Required", with the token "expired" or a revoked one 498
// "Invalid token."; Oracle without a well-formed Authorization: Bearer
// header answers 401 with WWW-Authenticate. CORS preflights to the two APIs
// are answered for any origin, or for those of WithCORSOrigin, and granted
// the request headers they ask for. Nothing under /__taskmock/ is granted
// CORS.
//
// # Fixtures, admin API, chaos, self-check
//
// WithFixtures serves task files (as "taskmock fixtures" writes them, or
// recorded from a real server) for their ids, validated when New runs.
// WithAdmin adds an API under /__taskmock/ to store, read, remove and reset
// tasks while the server runs, for the tools of this machine only: a
// loopback client, a loopback Host (against DNS rebinding) and, for a
// request that changes the tasks, the Taskmock-Admin header, which a web
// page cannot send. Fixture files are read only when they are regular
// files inside their directory, of at most 1 MiB. WithLatency,
// WithErrorRate and WithRateLimit make the mock slow, failing or throttled,
// in the vendors' shapes, for resilience tests. WithSelfCheck validates
// every answer as it is sent and logs any violation. The request journal
// (WithJournal, on by default) keeps the latest exchanges, credentials
// redacted, for Server.Journal and GET /__taskmock/requests, under the
// admin API's protections.
//
// # Memory
//
// A Server's memory is bounded whatever its clients send, so that it can
// run for days under a test suite:
//
//   - tasks stored by the admin API: at most DefaultMaxStoredTasks tasks and
//     DefaultMaxStoredBytes bytes of task JSON (WithStoreLimits changes
//     both); beyond them the tasks stored longest ago are evicted, and the
//     Taskmock-Evicted header that names them holds at most 1 KiB of names;
//   - the world (scenario=progress polls, and the sibling operations'
//     moves): at most MaxWorldEntries tasks and as many Esri jobs are
//     remembered, each Esri job with at most 64 taskOperationIds outside its
//     series (beyond, updateTask refuses a new one); beyond, the one touched
//     longest ago starts again from its story;
//   - the rate limit of WithRateLimit is one token bucket for the server,
//     not one per client;
//   - request bodies: an Esri form and an admin PUT at most 1 MiB each, a
//     task (PUT or fixture file) nested at most jsonlimit.DefaultMaxDepth
//     levels;
//     request logs are written as they happen, never kept;
//   - the request journal: at most WithJournal's number of exchanges
//     (DefaultJournalSize by default) and JournalMaxBytes bytes, the oldest
//     dropped first, each body at most JournalBodyLimit bytes.
//
// Fixtures are read once, when New runs, and kept: their size is the
// operator's choice.
//
// The mockservertest package starts a Server for Go tests.
package mockserver
