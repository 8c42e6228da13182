-- wrk script of bench/load.sh: every request asks for a new random task.
-- BENCH_SCENARIO chooses the request: oracle (GET a task), esri-get (GET
-- getTask, f=json), esri-post (getTask as a form-encoded POST, as the
-- ArcGIS JavaScript client sends it) or mixed (a screen's traffic on a pool
-- of 1,000 Oracle tasks and 100 Esri jobs: of ten requests, four Oracle
-- GETs, four Esri getTask POSTs, one Esri updateTask POST and one Oracle
-- reassign POST, so that the world keeps and reads state). With BENCH_RATE (requests/s in all),
-- BENCH_CONNECTIONS and BENCH_THREADS, each connection waits between its
-- requests so that together they offer about that rate, instead of sending
-- as fast as the server answers. done() prints one line for load.sh:
--   RESULT requests=N seconds=S rps=R p50_us=A p99_us=B errors=E non2xx=F

local scenario = os.getenv("BENCH_SCENARIO") or "oracle"
local esri_path = "/arcgis/rest/services/SampleService/TopographicProductionServer/workflows/tasks/getTask"
local oracle_path = "/process/api/v1/tasks/"
local update_path = "/arcgis/rest/services/SampleService/TopographicProductionServer/workflows/tasks/updateTask"
local form_headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
local json_headers = { ["Content-Type"] = "application/json" }
local threads = {}
local counter = 0
local rate = tonumber(os.getenv("BENCH_RATE") or "")
local connections = tonumber(os.getenv("BENCH_CONNECTIONS") or "")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "") or 1
-- gap: the mean wait in ms of one connection between two requests, scaled
-- once a second by the rate this thread reached against its share: wrk's
-- timers fire late, so the nominal gap alone offers less than asked.
local gap = (rate and connections and rate > 0) and connections * 1000 / rate or nil
local scale, second, answered = 1, nil, 0

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

-- pooled: the n-th id of a pool, the same in every thread.
local function pooled(prefix, n)
  return string.format("%s-0000-4000-8000-%012d", prefix, n)
end

local function mixed()
  local k = counter % 10
  local job = pooled("0000B0B0", math.random(0, 99))
  local task = pooled("0000C0C0", math.random(0, 9))
  if k < 4 then
    return wrk.format("GET", oracle_path .. pooled("0000a0a0", math.random(0, 999)))
  elseif k < 8 then
    return wrk.format("POST", esri_path, form_headers, "f=json&taskGroupJobId=" .. job .. "&taskOperationId=" .. task)
  elseif k == 8 then
    return wrk.format("POST", update_path, form_headers,
      "f=json&taskGroupJobId=" .. job .. "&taskOperationId=" .. task .. "&status=" .. math.random(1, 3))
  end
  return wrk.format("POST", oracle_path .. pooled("0000a0a0", math.random(0, 999)) .. "/reassign", json_headers,
    '{"identities":[{"id":"load.user' .. math.random(0, 99) .. '","type":"USER"}],"comment":"load"}')
end

function request()
  counter = counter + 1
  if scenario == "mixed" then
    return mixed()
  end
  if scenario == "esri-get" then
    return wrk.format("GET", esri_path .. "?f=json&taskGroupJobId=" .. guid() .. "&taskOperationId=" .. guid())
  elseif scenario == "esri-post" then
    return wrk.format("POST", esri_path, form_headers, "f=json&taskGroupJobId=" .. guid() .. "&taskOperationId=" .. guid())
  end
  return wrk.format("GET", oracle_path .. string.lower(guid()) .. "-" .. counter)
end

if gap then
  -- delay: wrk takes whole milliseconds, so draw the floor or the ceiling
  -- of the gap with the odds that give it as the mean.
  function delay()
    local g = gap * scale
    local whole = math.floor(g)
    if math.random() < g - whole then
      return whole + 1
    end
    return whole
  end

  function response(status, headers, body)
    local now = os.time()
    if second == nil then
      second = now + 1 -- count from the first whole second on
    elseif now > second then
      local share = rate / nthreads * (now - second)
      scale = math.max(0.02, math.min(2, scale * answered / share))
      second, answered = now, 0
    end
    if now >= second then
      answered = answered + 1
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d seconds=%.2f rps=%.0f p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
