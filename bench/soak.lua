-- wrk script of bench/soak.sh: a bounded mix of requests of both APIs,
-- errors forced with Prefer, scenario polls of new tasks and admin PUTs of
-- new tasks, every response checked. SOAK_REQUESTS is the total to send, SOAK_THREADS wrk's threads
-- (each sends its share, then marks SOAK_DONE/thread-N, and soak.sh
-- stops wrk once all have); SOAK_TASK is a file holding an
-- Oracle task for the PUTs. done() prints one line for soak.sh:
--   SOAK requests=N unexpected=U seconds=S rps=R
-- and a sample of the unexpected responses, if any.
--
-- A response is expected when: it answers a forced code (Preference-Applied
-- code=N) with status N (Oracle) or an ArcGIS envelope of code N (Esri,
-- HTTP 200); otherwise its status is 200 or 201 and it is not an error.

local total = tonumber(os.getenv("SOAK_REQUESTS") or "1000000")
local nthreads = tonumber(os.getenv("SOAK_THREADS") or "2")
local esri_path = "/arcgis/rest/services/SampleService/TopographicProductionServer/workflows/tasks/getTask"
local form_headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
local json_headers = { ["Content-Type"] = "application/json" }
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
  local kind = sent % 10
  local id = string.lower(guid())
  if kind == 0 then
    local body = string.gsub(task, '"id":"[^"]*"', '"id":"' .. id .. '"', 1)
    return wrk.format("PUT", "/__taskmock/tasks/oracle/" .. id, json_headers, body)
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
  end
  return wrk.format("POST", esri_path, form_headers, "f=json&taskGroupJobId=" .. guid() .. "&taskOperationId=" .. guid())
end

function response(status, headers, body)
  received = received + 1
  local ok
  local code = string.match(headers["Preference-Applied"] or "", "code=(%d+)")
  if code then
    ok = status == tonumber(code) or (status == 200 and string.find(body, '"code":' .. code, 1, true) ~= nil)
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
