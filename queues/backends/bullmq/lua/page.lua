--[[
  One slice of a page of a state's jobs with their summary fields (with rows.lua). A page is
  read in one call unless its jobs carry large values: a call stops once it has copied
  ARGV[8] bytes of them (it reads at least one job), and the caller calls again from there,
  so no single call holds Redis for long. Searches are search.lua's.

  KEYS[1]  the state key (bull:Q:wait, bull:Q:completed, ...)
  ARGV[1]  the job key prefix (bull:Q:)
  ARGV[2]  the expected key type: "list" or "zset"
  ARGV[3]  the position to read from, ARGV[4] how many ids (positions) are still wanted
  ARGV[5]  "desc" for the highest score first (zsets only), anything else for ascending
  ARGV[6]  the most bytes returned of a large field (data, progress, failedReason)
  ARGV[7]  the id of the last job the previous call read ("" for the first call)
  ARGV[8]  the bytes of job fields one call copies at most (past the first job)

  Returns {total, actual_type, rows, consumed, next_position, last_id|false}; each row is
  {id, score|false, field values..., byte lengths...} following FIELDS in rows.lua. Ids whose
  hash vanished are consumed but skipped. Lists are read from the head (LPUSH = newest
  first).
]]
local key = KEYS[1]
local base, want = ARGV[1], ARGV[2]
local position, wanted = tonumber(ARGV[3]), tonumber(ARGV[4])
local desc, cap = ARGV[5] == "desc", tonumber(ARGV[6])
local anchor, byte_budget = ARGV[7], tonumber(ARGV[8])

-- #include rows.lua

local total, actual = state_size()
if total == nil then
  return {0, actual, {}, 0, 0, false}
end

position = resume(anchor, position)
local rows, consumed, copied, last = {}, 0, 0, false
local ids, scores = range(position, position + wanted - 1)
for i, id in ipairs(ids) do
  if consumed > 0 and copied >= byte_budget then
    break
  end
  consumed, last = consumed + 1, id
  if redis.call("EXISTS", base .. id) == 1 then
    local row, size = row_of(id, scores[i])
    rows[#rows + 1] = row
    copied = copied + size
  end
end
return {total, actual, rows, consumed, position + consumed, last}
