--[[
  One page of a state's jobs with their summary fields, in one round trip.

  KEYS[1]  the state key (bull:Q:wait, bull:Q:completed, ...)
  ARGV[1]  the job key prefix (bull:Q:)
  ARGV[2]  the expected key type: "list" or "zset"
  ARGV[3]  start index, ARGV[4] stop index (inclusive)
  ARGV[5]  "desc" for the highest score first (zsets only), anything else for ascending
  ARGV[6]  the most bytes returned of a large field (data, progress, failedReason)

  Returns {total, actual_type, rows}; each row is
  {id, score|false, exists, field values..., byte lengths...} following FIELDS below.
  Ids whose hash vanished are skipped. Lists are read from the head (LPUSH = newest first).
]]
local key = KEYS[1]
local base, want = ARGV[1], ARGV[2]
local start, stop = tonumber(ARGV[3]), tonumber(ARGV[4])
local desc, cap = ARGV[5] == "desc", tonumber(ARGV[6])

local actual = redis.call("TYPE", key)["ok"]
if actual ~= want then
  return {0, actual, {}}
end

local FIELDS = {"name", "data", "opts", "progress", "timestamp", "processedOn", "finishedOn",
                "delay", "priority", "failedReason", "atm", "attemptsMade"}
local CAPPED = {data = true, progress = true, failedReason = true}

local total, ids, scores = 0, {}, {}
if want == "list" then
  total = redis.call("LLEN", key)
  ids = redis.call("LRANGE", key, start, stop)
else
  total = redis.call("ZCARD", key)
  local command = desc and "ZREVRANGE" or "ZRANGE"
  local flat = redis.call(command, key, start, stop, "WITHSCORES")
  for i = 1, #flat, 2 do
    ids[#ids + 1] = flat[i]
    scores[#ids] = flat[i + 1]
  end
end

local rows = {}
for i, id in ipairs(ids) do
  local jobKey = base .. id
  if redis.call("EXISTS", jobKey) == 1 then
    local values = redis.call("HMGET", jobKey, unpack(FIELDS))
    local row = {id, scores[i] or false}
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
    rows[#rows + 1] = row
  end
end
return {total, actual, rows}
