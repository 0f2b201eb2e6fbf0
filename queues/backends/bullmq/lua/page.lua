--[[
  One page of a state's jobs with their summary fields, in one round trip (with rows.lua;
  searches are search.lua's, a slice per call).

  KEYS[1]  the state key (bull:Q:wait, bull:Q:completed, ...)
  ARGV[1]  the job key prefix (bull:Q:)
  ARGV[2]  the expected key type: "list" or "zset"
  ARGV[3]  start index, ARGV[4] stop index (inclusive)
  ARGV[5]  "desc" for the highest score first (zsets only), anything else for ascending
  ARGV[6]  the most bytes returned of a large field (data, progress, failedReason)

  Returns {total, actual_type, rows}; each row is {id, score|false, field values...,
  byte lengths...} following FIELDS in rows.lua. Ids whose hash vanished are skipped. Lists
  are read from the head (LPUSH = newest first).
]]
local key = KEYS[1]
local base, want = ARGV[1], ARGV[2]
local start, stop = tonumber(ARGV[3]), tonumber(ARGV[4])
local desc, cap = ARGV[5] == "desc", tonumber(ARGV[6])

-- #include rows.lua

local total, actual = state_size()
if total == nil then
  return {0, actual, {}}
end

local rows = {}
local ids, scores = range(start, stop)
for i, id in ipairs(ids) do
  if redis.call("EXISTS", base .. id) == 1 then
    rows[#rows + 1] = row_of(id, scores[i])
  end
end
return {total, actual, rows}
