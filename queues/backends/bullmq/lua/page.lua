--[[
  One page of a state's jobs with their summary fields, in one round trip; optionally only the
  jobs that hold a search text.

  KEYS[1]  the state key (bull:Q:wait, bull:Q:completed, ...)
  ARGV[1]  the job key prefix (bull:Q:)
  ARGV[2]  the expected key type: "list" or "zset"
  ARGV[3]  start index, ARGV[4] stop index (inclusive), of the jobs (or of the matches)
  ARGV[5]  "desc" for the highest score first (zsets only), anything else for ascending
  ARGV[6]  the most bytes returned of a large field (data, progress, failedReason)
  ARGV[7]  the search text, lower-cased ("" lists every job)
  ARGV[8]  a search reads at most this many jobs of the state, in the state's order
  ARGV[9]  a search stops once it has read this many bytes of job fields

  Returns {total, actual_type, rows, scanned, matches}; each row is
  {id, score|false, exists, field values..., byte lengths...} following FIELDS below.
  Ids whose hash vanished are skipped. Lists are read from the head (LPUSH = newest first).
  A job matches when its id, name, data or failedReason holds the text (A-Z in either case).
  For a search, ``scanned`` is how many jobs were read and ``matches`` how many matched;
  otherwise both are 0.
]]
local key = KEYS[1]
local base, want = ARGV[1], ARGV[2]
local start, stop = tonumber(ARGV[3]), tonumber(ARGV[4])
local desc, cap = ARGV[5] == "desc", tonumber(ARGV[6])
local text, scan_limit, byte_budget = ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])

local actual = redis.call("TYPE", key)["ok"]
if actual ~= want then
  return {0, actual, {}, 0, 0}
end

local FIELDS = {"name", "data", "opts", "progress", "timestamp", "processedOn", "finishedOn",
                "delay", "priority", "failedReason", "atm", "attemptsMade"}
local CAPPED = {data = true, progress = true, failedReason = true}

local total
if want == "list" then
  total = redis.call("LLEN", key)
else
  total = redis.call("ZCARD", key)
end

-- Ids (and scores, for zsets) from position ``from`` to ``to`` (inclusive) in the state's order.
local function range(from, to)
  local ids, scores = {}, {}
  if want == "list" then
    ids = redis.call("LRANGE", key, from, to)
  else
    local command = desc and "ZREVRANGE" or "ZRANGE"
    local flat = redis.call(command, key, from, to, "WITHSCORES")
    for i = 1, #flat, 2 do
      ids[#ids + 1] = flat[i]
      scores[#ids] = flat[i + 1]
    end
  end
  return ids, scores
end

local function row_of(id, score)
  local values = redis.call("HMGET", base .. id, unpack(FIELDS))
  local row = {id, score or false}
  for j, field in ipairs(FIELDS) do
    local value = values[j]
    local size = false
    if value and CAPPED[field] then
      size = string.len(value)
      if size > cap then
        value = string.sub(value, 1, cap)
      end
    end
    row[#row + 1] = value
    row[#row + 1] = size
  end
  return row
end

local rows = {}
if text == "" then
  local ids, scores = range(start, stop)
  for i, id in ipairs(ids) do
    if redis.call("EXISTS", base .. id) == 1 then
      rows[#rows + 1] = row_of(id, scores[i])
    end
  end
  return {total, actual, rows, 0, 0}
end

local function holds(value)
  return value and string.find(string.lower(value), text, 1, true) ~= nil
end

local CHUNK = 500
local scanned, matches, read_bytes = 0, 0, 0
local limit = math.min(scan_limit, total)
while scanned < limit and read_bytes < byte_budget do
  local ids, scores = range(scanned, math.min(scanned + CHUNK, limit) - 1)
  if #ids == 0 then
    break
  end
  for i, id in ipairs(ids) do
    if read_bytes >= byte_budget then
      break
    end
    scanned = scanned + 1
    local values = redis.call("HMGET", base .. id, "name", "data", "failedReason")
    local name, data, reason = values[1], values[2], values[3]
    if name or data or reason then -- a vanished job is read, not matched
      read_bytes = read_bytes + string.len(name or "") + string.len(data or "")
        + string.len(reason or "")
      if holds(id) or holds(name) or holds(data) or holds(reason) then
        if matches >= start and matches <= stop then
          rows[#rows + 1] = row_of(id, scores[i])
        end
        matches = matches + 1
      end
    end
  end
end
return {total, actual, rows, scanned, matches}
