-- wrk script of bench/load.sh: every request asks for a new random task.
-- BENCH_SCENARIO chooses the request: oracle (GET a task), esri-get (GET
-- getTask, f=json) or esri-post (getTask as a form-encoded POST, as the
-- ArcGIS JavaScript client sends it). done() prints one line for load.sh:
--   RESULT requests=N seconds=S rps=R p50_us=A p99_us=B errors=E non2xx=F

local scenario = os.getenv("BENCH_SCENARIO") or "oracle"
local esri_path = "/arcgis/rest/services/SampleService/TopographicProductionServer/workflows/tasks/getTask"
local oracle_path = "/process/api/v1/tasks/"
local form_headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
local threads = {}
local counter = 0

local function hex4()
  return string.format("%04X", math.random(0, 65535))
end

local function guid()
  return hex4() .. hex4() .. "-" .. hex4() .. "-" .. hex4() .. "-" .. hex4() .. "-" .. hex4() .. hex4() .. hex4()
end

function setup(thread)
  thread:set("index", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + (index or 0) * 7919)
end

function request()
  counter = counter + 1
  if scenario == "esri-get" then
    return wrk.format("GET", esri_path .. "?f=json&taskGroupJobId=" .. guid() .. "&taskOperationId=" .. guid())
  elseif scenario == "esri-post" then
    return wrk.format("POST", esri_path, form_headers, "f=json&taskGroupJobId=" .. guid() .. "&taskOperationId=" .. guid())
  end
  return wrk.format("GET", oracle_path .. string.lower(guid()) .. "-" .. counter)
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d seconds=%.2f rps=%.0f p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
