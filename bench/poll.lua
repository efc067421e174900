-- wrk script of the poll benchmarks (bench/run.py):
--   wrk -t2 -c16 -d5s --latency -s bench/poll.lua http://127.0.0.1:PORT -- MODE FILE PATH PROXY
-- MODE "random": each request is for a random device of FILE, whose lines are
--   "<hex id> <key> <checksum> <address>": GET PATH<id>/?key=<key>
--   (PATH: /controller/checksum/ or /controller/download-config/);
-- MODE "fixed": each request is GET PATH (the empty view /healthz), through the
--   same Lua request function;
-- MODE "sweep": every device of FILE once, split between the threads
--   (WRK_THREADS, the -t value); a thread stops after its share (warm-up).
-- PROXY "1": each request starts with a PROXY protocol v1 line giving the
--   device's own address (gunicorn --proxy-protocol sets REMOTE_ADDR from it;
--   every request asks for "Connection: close", so every request opens a
--   connection, as an agent's curl does, and the line starts it); "fixed"
--   requests say 127.0.0.2. Without it, every request comes from 127.0.0.1.
local mode, path, proxy = "random", "/controller/checksum/", false
-- one connection per request (wrk.format uses these headers)
wrk.headers["Connection"] = "close"
local requests, count = {}, 0
local threads, position = 1, 0
local fixed = nil
thread_index = 0

local counter = 0
function setup(thread)
  thread:set("thread_index", counter)
  counter = counter + 1
end

local function proxy_line(address)
  if not proxy then
    return ""
  end
  return "PROXY TCP4 " .. address .. " 127.0.0.1 40000 80\r\n"
end

function init(args)
  mode = args[1] or mode
  local file = args[2]
  if args[3] and args[3] ~= "" then
    path = args[3]
  end
  proxy = args[4] == "1"
  if mode == "fixed" then
    fixed = proxy_line("127.0.0.2") .. wrk.format("GET", path)
    return
  end
  for line in io.lines(file) do
    local id, key, _, address = line:match("^(%x+)%s+(%x+)%s+(%x+)%s+(%S+)")
    if id then
      count = count + 1
      requests[count] = proxy_line(address) .. wrk.format("GET", path .. id .. "/?key=" .. key)
    end
  end
  threads = tonumber(os.getenv("WRK_THREADS") or "1")
  position = thread_index
  math.randomseed(os.time() * 1000 + thread_index * 7919 + count)
end

-- wrk parses the first request of thread 0 to check it, and knows no PROXY
-- line: that one (never sent) is given without it
local verified = false

function request()
  if not verified then
    verified = true
    if thread_index == 0 then
      return wrk.format("GET", path)
    end
  end
  if fixed then
    return fixed
  end
  if mode == "sweep" then
    if position >= count then
      wrk.thread:stop()
      position = thread_index
    end
    local r = requests[position + 1]
    position = position + threads
    return r
  end
  return requests[math.random(count)]
end
