--[[
  The newest jobs of a queue across its states (with rows.lua), in one call or a few.

  Picking (ARGV[5] == "pick"): the newest ARGV[4] ids of each state key by that key's own order
  (a list's head, a zset's highest score), merged by the jobs' ``timestamp`` (creation time)
  newest first, ties in key order; at most ARGV[4] in all. So the call reads at most
  ARGV[4] ids per state key and one field of each, however large the queue. Rows of the
  chosen jobs are copied until ARGV[3] bytes of fields (at least one job); the jobs not yet
  read come back as ``rest`` for the next call.
  Reading on (ARGV[5] == "read"): ARGV[6..] are the ``id, key index, score`` triples the
  previous call left.

  KEYS     the state keys, in display order
  ARGV[1]  the job key prefix (bull:Q:)
  ARGV[2]  the most bytes returned of a large field (data, progress, failedReason)
  ARGV[3]  the bytes of job fields one call copies at most (past the first job)
  ARGV[4]  how many jobs at most
  ARGV[5]  "pick" or "read"
  ARGV[6]  picking: the key types ("l" or "z" per key, joined by ","); reading on: triples

  Returns {rows, rest}: each row is {key index, id, score|false, field values..., byte
  lengths...} (rows.lua's FIELDS); ``rest`` is flat ``id, key index, score ("" for none)`` triples. A key of another
  type than expected is passed over; ids whose hash vanished are skipped.
]]
local base, cap = ARGV[1], tonumber(ARGV[2])
local byte_budget, limit = tonumber(ARGV[3]), tonumber(ARGV[4])
local key, want, desc = KEYS[1], "list", true -- rows.lua's locals (only row_of is used here)

-- #include rows.lua

local chosen = {} -- {id, key index, score|false}
if ARGV[5] == "pick" then
  local candidates = {}
  local index = 0
  for kind in string.gmatch(ARGV[6], "[lz]") do
    index = index + 1
    local state_key = KEYS[index]
    local actual = redis.call("TYPE", state_key)["ok"]
    if kind == "l" and actual == "list" then
      for _, id in ipairs(redis.call("LRANGE", state_key, 0, limit - 1)) do
        candidates[#candidates + 1] = {id, index, false}
      end
    elseif kind == "z" and actual == "zset" then
      local flat = redis.call("ZREVRANGE", state_key, 0, limit - 1, "WITHSCORES")
      for i = 1, #flat, 2 do
        candidates[#candidates + 1] = {flat[i], index, flat[i + 1]}
      end
    end
  end
  for order, candidate in ipairs(candidates) do
    candidate[4] = tonumber(redis.call("HGET", base .. candidate[1], "timestamp")) or -1
    candidate[5] = order
  end
  table.sort(candidates, function(a, b)
    if a[4] ~= b[4] then
      return a[4] > b[4]
    end
    return a[5] < b[5]
  end)
  for i = 1, math.min(limit, #candidates) do
    chosen[i] = candidates[i]
  end
else
  for i = 6, #ARGV - 2, 3 do
    local score = ARGV[i + 2]
    chosen[#chosen + 1] = {ARGV[i], tonumber(ARGV[i + 1]), score ~= "" and score or false}
  end
end

local rows, rest, copied = {}, {}, 0
for i, job in ipairs(chosen) do
  if (#rows > 0 and copied >= byte_budget) or #rest > 0 then
    rest[#rest + 1] = job[1]
    rest[#rest + 1] = job[2]
    rest[#rest + 1] = job[3] or ""
  elseif redis.call("EXISTS", base .. job[1]) == 1 then
    local row, size = row_of(job[1], job[3])
    table.insert(row, 1, job[2])
    rows[#rows + 1] = row
    copied = copied + size
  end
end
return {rows, rest}
