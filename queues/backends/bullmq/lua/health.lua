-- A bounded health sample of one BullMQ queue (queues/backends/bullmq/health.py).
--
-- ARGV: base ("bull:Q:"), sample (jobs read per state), payload threshold (bytes),
-- memory sample (completed jobs measured with MEMORY USAGE), now (ms).
-- Reads at most `sample` newest jobs of wait, prioritized, delayed, active, completed and
-- failed (their opts and data length), `memory sample` completed hashes' memory, the oldest
-- waiting job's timestamp, the active jobs' locks, the limiter's TTL and the
-- server's maxmemory-policy. Answers a JSON object.
local base = ARGV[1]
local sample = tonumber(ARGV[2])
local threshold = tonumber(ARGV[3])
local memory_sample = tonumber(ARGV[4])
local now = tonumber(ARGV[5])

local ids = {}
local function add(list)
  for _, id in ipairs(list) do ids[#ids + 1] = id end
end
local function kind(key)
  return redis.call("TYPE", key)["ok"]
end
local function newest(suffix)
  local key = base .. suffix
  local t = kind(key)
  if t == "list" then return redis.call("LRANGE", key, 0, sample - 1) end
  if t == "zset" then return redis.call("ZREVRANGE", key, 0, sample - 1) end
  return {}
end

local active = newest("active")
add(newest("wait"))
add(newest("prioritized"))
add(newest("delayed"))
add(active)
add(newest("completed"))
add(newest("failed"))

local r = {
  sampled = 0, without_retries = 0, retries_without_backoff = 0,
  without_remove_on_fail = 0, without_remove_on_complete = 0,
  payloads_over = 0, largest_bytes = 0, largest_id = "",
}
local seen = {}
for _, id in ipairs(ids) do
  if not seen[id] then
    seen[id] = true
    local key = base .. id
    local opts_text = redis.call("HGET", key, "opts")
    if opts_text then
      r.sampled = r.sampled + 1
      local ok, opts = pcall(cjson.decode, opts_text)
      if not ok or type(opts) ~= "table" then opts = {} end
      local attempts = tonumber(opts["attempts"]) or 0
      if attempts <= 1 then
        r.without_retries = r.without_retries + 1
      elseif opts["backoff"] == nil then
        r.retries_without_backoff = r.retries_without_backoff + 1
      end
      local rof = opts["removeOnFail"]
      if rof == nil or rof == false then r.without_remove_on_fail = r.without_remove_on_fail + 1 end
      local roc = opts["removeOnComplete"]
      if roc == nil or roc == false then
        r.without_remove_on_complete = r.without_remove_on_complete + 1
      end
      local size = redis.call("HSTRLEN", key, "data")
      if size > threshold then r.payloads_over = r.payloads_over + 1 end
      if size > r.largest_bytes then
        r.largest_bytes = size
        r.largest_id = id
      end
    end
  end
end

local function card(suffix)
  local key = base .. suffix
  local t = kind(key)
  if t == "zset" then return redis.call("ZCARD", key) end
  if t == "list" then return redis.call("LLEN", key) end
  if t == "set" then return redis.call("SCARD", key) end
  return 0
end
r.completed = card("completed")
r.failed = card("failed")
r.waiting = card("wait") + card("prioritized")

-- The completed set's memory: the average of a few hashes, times the set's size.
r.completed_memory = 0
if r.completed > 0 and memory_sample > 0 then
  local some = redis.call("ZREVRANGE", base .. "completed", 0, memory_sample - 1)
  local total, measured = 0, 0
  for _, id in ipairs(some) do
    local used = redis.call("MEMORY", "USAGE", base .. id)
    if used then
      total = total + used
      measured = measured + 1
    end
  end
  if measured > 0 then r.completed_memory = math.floor(total / measured * r.completed) end
end

-- The oldest waiting job (the tail of wait: LPUSH puts the newest at the head).
r.oldest_waiting_ms = -1
if kind(base .. "wait") == "list" then
  local oldest = redis.call("LINDEX", base .. "wait", -1)
  if oldest then
    local ts = tonumber(redis.call("HGET", base .. oldest, "timestamp"))
    if ts then r.oldest_waiting_ms = math.max(now - ts, 0) end
  end
end

-- Stalled: active jobs (of the sample) whose lock is gone.
local unlocked = 0
for _, id in ipairs(active) do
  if redis.call("EXISTS", base .. id .. ":lock") == 0 then unlocked = unlocked + 1 end
end
r.active_without_lock = unlocked

r.limiter_ttl_ms = redis.call("PTTL", base .. "limiter")
local info = redis.call("INFO", "memory")
r.maxmemory_policy = string.match(info, "maxmemory_policy:([%w%-]+)") or ""
return cjson.encode(r)
