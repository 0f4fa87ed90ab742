-- wrk script of bench/chat_turns (--client wrk): each connection (one per wrk thread) is a citizen
-- sending the same cycle as the Python client, its next message only after the reply (wrk keeps one
-- request per connection). Each simulated citizen sends `per_citizen` messages and then another
-- takes its place, so that none passes the web chat's per-id flood limit (200 a minute).
-- Arguments: the run's label (ids unique across runs), path ("/api/chat" or "/healthz").
local texts = {"halo", "langganan", "2", "kayu agung", "menu"}
local per_citizen = 100
local threads, created = {}, 0

function setup(thread)
  thread:set("id", created)
  created = created + 1
  table.insert(threads, thread)
end

function init(args)
  label, path = args[1], args[2]
  sent, bad = 0, 0
end

function request()
  if path ~= "/api/chat" then
    return wrk.format("GET", path)
  end
  local citizen = string.format("wrk-%s-%d-%d", label, id, math.floor(sent / per_citizen))
  local text = texts[(sent % #texts) + 1]
  sent = sent + 1
  return wrk.format("POST", path, {["Content-Type"] = "application/json"},
                    string.format('{"user": "%s", "text": "%s"}', citizen, text))
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local bads = 0
  for _, t in ipairs(threads) do bads = bads + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'WRKRESULT {"requests": %d, "duration_us": %d, "bad_status": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n', summary.requests, summary.duration, bads,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
