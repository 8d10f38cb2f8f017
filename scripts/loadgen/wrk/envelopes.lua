-- wrk script for `scripts/bench overhead`: a closed loop of ~2 KB Sentry envelopes, every request a new one.
-- Per cycle of nine requests: one browser-shaped replay envelope (replay_event + replay_recording, trace_ids [T]),
-- then eight Java-SDK-shaped error envelopes: four of that session with the replay id in their DSC (as a backend
-- that got `sentry-replay_id` in its baggage sends them), two of that session without it (the linker finds the
-- replay in its index), two of a backend-only trace with no replay (a miss, remembered for a late link).
-- Status counts are printed at the end, so a run that was answered anything but 200 shows it.
local random, format, concat = math.random, string.format, table.concat
local KEY = "0123456789abcdef0123456789abcdef"
local DSN = "http://" .. KEY .. "@127.0.0.1/1"
local n, trace, replay = 0, nil, nil
local statuses = {}

local function id()
  return format("%04x%04x%04x%04x%04x%04x%04x%04x", random(0, 65535), random(0, 65535), random(0, 65535),
    random(0, 65535), random(0, 65535), random(0, 65535), random(0, 65535), random(0, 65535))
end

local function span()
  return format("%04x%04x%04x%04x", random(0, 65535), random(0, 65535), random(0, 65535), random(0, 65535))
end

local function item(kind, payload)
  return '{"type":"' .. kind .. '","length":' .. #payload .. '}\n' .. payload .. '\n'
end

local function header(event_id, t, r, sampled)
  local dsc = '"trace":{"trace_id":"' .. t .. '","environment":"production","release":"shop@4.2.1","public_key":"'
    .. KEY .. '","sample_rate":"1","sampled":"' .. sampled .. '"'
  if r then dsc = dsc .. ',"replay_id":"' .. r .. '"' end
  return '{"event_id":"' .. event_id .. '","sent_at":"2026-12-04T10:00:00.000Z","dsn":"' .. DSN
    .. '","sdk":{"name":"sentry.java","version":"8.63.0"},' .. dsc .. '}}\n'
end

-- the frames of a Spring request that failed in a repository call, as the Java SDK serialises them
local frames = {}
for i, f in ipairs({
  {"java.lang.Thread", "run", "Thread.java", 840},
  {"org.apache.tomcat.util.threads.TaskThread$WrappingRunnable", "run", "TaskThread.java", 61},
  {"org.apache.catalina.connector.CoyoteAdapter", "service", "CoyoteAdapter.java", 344},
  {"org.springframework.web.servlet.FrameworkServlet", "service", "FrameworkServlet.java", 885},
  {"org.springframework.web.servlet.DispatcherServlet", "doDispatch", "DispatcherServlet.java", 1089},
  {"com.example.shop.checkout.CheckoutController", "placeOrder", "CheckoutController.java", 57},
  {"com.example.shop.checkout.OrderService", "place", "OrderService.java", 112},
  {"com.example.shop.inventory.StockRepository", "reserve", "StockRepository.java", 48},
}) do
  frames[i] = format('{"filename":"%s","function":"%s","module":"%s","lineno":%d,"in_app":%s,"native":false}',
    f[3], f[2], f[1], f[4], f[1]:find("com.example") and "true" or "false")
end
local stacktrace = '{"frames":[' .. concat(frames, ",") .. ']}'

local function error_event(event_id, t)
  return '{"event_id":"' .. event_id .. '","contexts":{"trace":{"trace_id":"' .. t .. '","span_id":"' .. span()
    .. '","op":"http.server","status":"internal_error"},"runtime":{"name":"OpenJDK Runtime Environment",'
    .. '"version":"17.0.15+6-Debian-1deb12u1"},"os":{"name":"Linux","version":"6.1.0-27-amd64"}},'
    .. '"sdk":{"name":"sentry.java.spring-boot.jakarta","version":"8.63.0","packages":[{"name":"maven:io.sentry:'
    .. 'sentry","version":"8.63.0"}]},"tags":{"http.route":"/checkout"},"release":"shop@4.2.1",'
    .. '"environment":"production","platform":"java","server_name":"shop-7f9c6d-2kx8p",'
    .. '"timestamp":"2026-12-04T10:00:00.000Z","logger":"com.example.shop.checkout.CheckoutController",'
    .. '"threads":{"values":[{"id":57,"name":"http-nio-8080-exec-3","state":"RUNNABLE","crashed":true,'
    .. '"current":true,"daemon":true,"main":false}]},"exception":{"values":[{"type":"StockUnavailableException",'
    .. '"value":"SKU 4711 has 0 units left, 2 requested","module":"com.example.shop.inventory","thread_id":57,'
    .. '"stacktrace":' .. stacktrace .. ',"mechanism":{"type":"SentryExceptionResolver","handled":false}}]},'
    .. '"level":"error","transaction":"POST /checkout"}'
end

local function replay_envelope(r, t)
  local event = '{"type":"replay_event","replay_start_timestamp":1796378400.1,"timestamp":1796378405.3,'
    .. '"error_ids":[],"trace_ids":["' .. t .. '"],"urls":["https://shop.example.com/checkout"],"replay_id":"' .. r
    .. '","segment_id":0,"replay_type":"session","event_id":"' .. r .. '","environment":"production",'
    .. '"sdk":{"name":"sentry.javascript.browser","version":"11.2.0"},"request":{"url":"https://shop.example.com/'
    .. 'checkout","headers":{"User-Agent":"Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"}},"platform":"javascript",'
    .. '"contexts":{"trace":{"trace_id":"' .. t .. '","span_id":"' .. span() .. '"}}}'
  local recording = '{"segment_id":0}\n[{"type":4,"data":{"href":"https://shop.example.com/checkout","width":1280,'
    .. '"height":720},"timestamp":1796378400100},{"type":2,"data":{"node":{"type":0,"childNodes":[],"id":1}},'
    .. '"timestamp":1796378400101}]'
  return header(r, t, r, "true") .. item("replay_event", event) .. item("replay_recording", recording)
end

local headers = {["Content-Type"] = "application/x-sentry-envelope"}

function init(args)
  math.randomseed(tonumber(args[1] or "1") or 1)
end

function request()
  local k = n % 9
  n = n + 1
  local body
  if k == 0 then
    trace, replay = id(), id()
    body = replay_envelope(replay, trace)
  else
    local event_id = id()
    if k <= 4 then
      body = header(event_id, trace, replay, "true") .. item("event", error_event(event_id, trace))
    elseif k <= 6 then
      body = header(event_id, trace, nil, "true") .. item("event", error_event(event_id, trace))
    else
      local t = id()
      body = header(event_id, t, nil, "true") .. item("event", error_event(event_id, t))
    end
  end
  return wrk.format("POST", "/api/1/envelope/", headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(format("requests %d\n", summary.requests))
  io.write(format("errors connect %d read %d write %d status %d timeout %d\n", summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
  io.write(format("latency p50 %d p99 %d max %d\n", latency:percentile(50), latency:percentile(99), latency.max))
end
