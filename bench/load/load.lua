-- wrk script of bench/load: each connection (one per wrk thread) sends its own file of pre-made,
-- signed webhook requests in order, paced to the run's rate: connection k sends its n-th request at
-- start + (k/N + n) * interval, or at once when it is behind (it never has two requests out).
-- Arguments: folder, interval in ms, number of connections.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads, created = {}, 0

function setup(thread)
  thread:set("id", created)
  created = created + 1
  table.insert(threads, thread)
end

function init(args)
  local folder, n = args[1], tonumber(args[3])
  interval = tonumber(args[2])
  reqs = {}
  for line in io.lines(folder .. "/conn_" .. id .. ".txt") do
    local path, name, value, ctype, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if path then
      reqs[#reqs + 1] = wrk.format("POST", path, { [name] = value, ["Content-Type"] = ctype }, body)
    end
  end
  sent, answered, bad, exhausted, acks, carried = 0, 0, 0, 0, "", 0
  next_at = now_ms() + (id / n) * interval
  -- wrk calls request() once on the first thread's state to check the script, before it runs, and
  -- never sends what it got: without this that thread's first citizen would lose its first message
  verifying = (id == 0)
end

function delay()
  local wait = next_at - now_ms()
  next_at = next_at + interval
  if wait < 0 then return 0 end
  return wait
end

function request()
  if verifying then
    verifying = false
    return wrk.format("GET", "/healthz")
  end
  sent = sent + 1
  if sent > #reqs then
    exhausted = exhausted + 1
    return wrk.format("GET", "/healthz")
  end
  return reqs[sent]
end

function response(status, headers, body)
  answered = answered + 1
  if status >= 300 then bad = bad + 1 end
  -- a Telegram reply in the webhook's answer (a sendMessage for Telegram to perform) that gives a
  -- report number: the chat it goes to was told, as the fake Bot API counts the replies it is sent
  if body and string.find(body, '"method":', 1, true) then carried = carried + 1 end
  if body and string.find(body, "Nomor laporan:", 1, true) then
    local chat = string.match(body, '"chat_id":%s*(%-?%d+)')
    if chat then acks = acks .. chat .. "," end
  end
end

function done(summary, latency, requests)
  local answers, bads, over, told, carried_all = {}, 0, 0, {}, 0
  for _, t in ipairs(threads) do
    table.insert(answers, tostring(t:get("answered")))
    table.insert(told, t:get("acks"))
    carried_all = carried_all + t:get("carried")
    bads = bads + t:get("bad")
    over = over + t:get("exhausted")
  end
  local e = summary.errors
  io.write(string.format(
    'LOADRESULT {"requests": %d, "duration_us": %d, "bad_status": %d, "exhausted": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, "answered": [%s], ' ..
    '"told": "%s", "carried": %d}\n',
    summary.requests, summary.duration, bads, over, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
    table.concat(answers, ","), table.concat(told, ""), carried_all))
end
