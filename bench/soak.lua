-- wrk script of bench/soak.sh: a bounded mix of requests of both APIs,
-- errors forced with Prefer, scenario polls of new tasks, admin PUTs of
-- new tasks, and the sibling operations that change the world (Esri
-- updateTask, hasNextTask, getTaskGroups; Oracle reassign, bulk reassign,
-- a linked resource), every response checked. SOAK_REQUESTS is the total to send, SOAK_THREADS wrk's threads
-- (each sends its share, then marks SOAK_DONE/thread-N, and soak.sh
-- stops wrk once all have); SOAK_TASK is a file holding an
-- Oracle task for the PUTs. done() prints one line for soak.sh:
--   SOAK requests=N unexpected=U seconds=S rps=R
-- and a sample of the unexpected responses, if any.
--
-- A response is expected when: it answers a forced code (Preference-Applied
-- code=N) with status N (Oracle) or an ArcGIS envelope of code N (Esri,
-- HTTP 200); a reassign answers 204, or 409 for a closed task; a bulk
-- reassign 200 with its counts; a linked resource 501; an updateTask
-- success or the ArcGIS 400 of a move the task's story refuses; otherwise
-- its status is 200 or 201 and it is not an error.

local total = tonumber(os.getenv("SOAK_REQUESTS") or "1000000")
local nthreads = tonumber(os.getenv("SOAK_THREADS") or "2")
local esri_root = "/arcgis/rest/services/SampleService/TopographicProductionServer/workflows/"
local esri_path = esri_root .. "tasks/getTask"
local form_headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
local json_headers = { ["Content-Type"] = "application/json" }
local admin_headers = { ["Content-Type"] = "application/json", ["Taskmock-Admin"] = "1" }
local oracle_codes = { 404, 429, 500, 503 }
local esri_codes = { 400, 404, 498, 499, 500 }
local threads = {}

local function hex4() return string.format("%04X", math.random(0, 65535)) end
local function guid()
  return hex4() .. hex4() .. "-" .. hex4() .. "-" .. hex4() .. "-" .. hex4() .. "-" .. hex4() .. hex4() .. hex4()
end

function setup(thread)
  thread:set("index", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + (index or 0) * 7919)
  limit = math.ceil(total / nthreads)
  sent, received, unexpected, samples = 0, 0, 0, ""
  local f = assert(io.open(os.getenv("SOAK_TASK"), "r"))
  task = f:read("*a")
  f:close()
end

function request()
  sent = sent + 1
  local kind = sent % 16
  local id = string.lower(guid())
  if kind == 0 then
    local body = string.gsub(task, '"id":"[^"]*"', '"id":"' .. id .. '"', 1)
    return wrk.format("PUT", "/__taskmock/tasks/oracle/" .. id, admin_headers, body)
  elseif kind == 1 then
    local code = oracle_codes[math.random(#oracle_codes)]
    return wrk.format("GET", "/process/api/v1/tasks/" .. id, { ["Prefer"] = "code=" .. code })
  elseif kind == 2 then
    local code = esri_codes[math.random(#esri_codes)]
    return wrk.format("GET", esri_path .. "?f=json&taskGroupJobId=" .. guid() .. "&taskOperationId=" .. guid(), { ["Prefer"] = "code=" .. code })
  elseif kind == 3 then
    -- A new task polled through a scenario: the server remembers it.
    return wrk.format("GET", "/process/api/v1/tasks/" .. id, { ["Prefer"] = "scenario=progress" })
  elseif kind <= 5 then
    return wrk.format("GET", "/process/api/v1/tasks/" .. id)
  elseif kind <= 7 then
    return wrk.format("GET", esri_path .. "?f=json&taskGroupJobId=" .. guid() .. "&taskOperationId=" .. guid())
  elseif kind == 8 then
    return wrk.format("POST", esri_path, form_headers, "f=json&taskGroupJobId=" .. guid() .. "&taskOperationId=" .. guid())
  elseif kind == 9 then
    return wrk.format("POST", esri_root .. "tasks/updateTask", form_headers,
      "f=json&taskGroupJobId=" .. guid() .. "&taskOperationId=" .. guid() .. "&status=" .. math.random(1, 3))
  elseif kind == 10 then
    return wrk.format("GET", esri_root .. "taskgroups/hasNextTask?f=json&taskGroupJobId=" .. guid())
  elseif kind == 11 then
    return wrk.format("GET", esri_root .. "taskgroups/getTaskGroups?f=json")
  elseif kind <= 13 then
    -- A new task reassigned: the world keeps it, within its bounds.
    return wrk.format("POST", "/process/api/v1/tasks/" .. id .. "/reassign", json_headers,
      '{"identities":[{"id":"soak.user' .. math.random(0, 999) .. '","type":"USER"}],"comment":"' .. string.rep("c", math.random(0, 400)) .. '"}')
  elseif kind == 14 then
    local ids = {}
    for k = 1, 5 do ids[k] = '"' .. string.lower(guid()) .. '"' end
    return wrk.format("POST", "/process/api/v1/tasks/reassign", json_headers,
      '{"taskIds":[' .. table.concat(ids, ",") .. '],"identities":[{"id":"soak-group","type":"GROUP"}]}')
  end
  return wrk.format("GET", "/process/api/v1/tasks/" .. id .. "/comments")
end

function response(status, headers, body)
  received = received + 1
  local ok
  local code = string.match(headers["Preference-Applied"] or "", "code=(%d+)")
  if code then
    ok = status == tonumber(code) or (status == 200 and string.find(body, '"code":' .. code, 1, true) ~= nil)
  elseif status == 204 then
    ok = #body == 0 -- a reassignment
  elseif status == 409 then
    ok = string.find(body, "cannot be reassigned", 1, true) ~= nil -- a closed task
  elseif status == 501 then
    ok = string.find(body, "Not implemented by taskmock", 1, true) ~= nil -- a linked resource
  elseif status == 200 and string.find(body, '"details":["Invalid status:', 1, true) then
    ok = true -- a move the task's story refuses
  else
    ok = (status == 200 or status == 201) and string.sub(body, 1, 9) ~= '{"error":'
  end
  if not ok then
    unexpected = unexpected + 1
    if unexpected <= 3 then
      samples = samples .. string.format("  status %d: %s\n", status, string.sub(body, 1, 200))
    end
  end
  if received == limit then
    -- soak.sh stops wrk once every thread has left its mark.
    local f = io.open(os.getenv("SOAK_DONE") .. "/thread-" .. index, "w")
    if f then f:close() end
  end
end

function done(summary, latency, requests)
  local n, bad, sample = 0, 0, ""
  for _, t in ipairs(threads) do
    n = n + t:get("received")
    bad = bad + t:get("unexpected")
    sample = sample .. t:get("samples")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("SOAK requests=%d unexpected=%d seconds=%.1f rps=%.0f\n", n, bad, seconds, n / seconds))
  io.write(sample)
end
