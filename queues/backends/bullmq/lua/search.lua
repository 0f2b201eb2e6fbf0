--[[
  One slice of a search: the next jobs of a state, in its order, matched against a text; the
  caller calls again from where the slice stopped until the search's bounds are reached, so no
  single call holds Redis for long (with rows.lua).

  KEYS[1]   the state key (bull:Q:wait, bull:Q:completed, ...)
  ARGV[1]   the job key prefix (bull:Q:)
  ARGV[2]   the expected key type: "list" or "zset"
  ARGV[3]   "desc" for the highest score first (zsets only), anything else for ascending
  ARGV[4]   the most bytes returned of a large field in a row
  ARGV[5]   the search text, lower-cased (A-Z only, as string.lower does here)
  ARGV[6]   the position to read from (0: the head of the state)
  ARGV[7]   the id of the last job the previous slice read ("" for the first slice): when it
            is still in the state, the slice goes on right after it, wherever it moved to
  ARGV[8]   the most jobs this slice reads
  ARGV[9]   the bytes of names, data and failure reasons the search may still read
  ARGV[10]  the most bytes this slice reads (it reads at least one job)
  ARGV[11]  a name, data or failure reason longer than this is not searched (data that long
            is not even read)
  ARGV[12]  matches found by the previous slices
  ARGV[13]  ARGV[14]: the first and last index (inclusive) of the matches to return as rows

  Returns {total, actual_type, rows, read, matched, bytes, next_position, last_id|false,
  too_large, ended}: ``read`` jobs were read (vanished ones too), ``matched`` of them hold the
  text, ``bytes`` of their fields were read, ``too_large`` had a field not read for its size;
  ``ended`` is 1 when the state has no more jobs after this slice. A job matches when its id,
  name, data or failedReason holds the text.
]]
local key = KEYS[1]
local base, want = ARGV[1], ARGV[2]
local desc, cap = ARGV[3] == "desc", tonumber(ARGV[4])
local text, position, anchor = ARGV[5], tonumber(ARGV[6]), ARGV[7]
local jobs_left, bytes_left = tonumber(ARGV[8]), tonumber(ARGV[9])
local slice_bytes, field_cap = tonumber(ARGV[10]), tonumber(ARGV[11])
local matches_before, start, stop = tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[14])

-- #include rows.lua

local total, actual = state_size()
if total == nil then
  return {0, actual, {}, 0, 0, 0, 0, false, 0, 1}
end

position = resume(anchor, position)

local function holds(value)
  return value and string.find(string.lower(value), text, 1, true) ~= nil
end

local CHUNK = 500
local rows = {}
local read, matched, bytes, too_large = 0, 0, 0, 0
local at, last, ended = position, false, 0
local full = false
while not full and read < jobs_left and bytes < bytes_left do
  local ids, scores = range(at, at + math.min(CHUNK, jobs_left - read) - 1)
  if #ids == 0 then
    ended = 1
    break
  end
  for i, id in ipairs(ids) do
    if read >= jobs_left or bytes >= bytes_left then
      full = true
      break
    end
    local job = base .. id
    -- The data's size first (O(1)): a large payload is never copied into the script.
    local data_size = redis.call("HSTRLEN", job, "data")
    if read > 0 and bytes + data_size > slice_bytes then
      full = true -- the next slice starts with this job
      break
    end
    read, at, last = read + 1, at + 1, id
    local name, data, reason, skipped
    if data_size <= field_cap then
      local values = redis.call("HMGET", job, "name", "data", "failedReason")
      name, data, reason = values[1], values[2], values[3]
    else
      local values = redis.call("HMGET", job, "name", "failedReason")
      name, reason, skipped = values[1], values[2], true
    end
    local exists = name or data or reason or skipped
    bytes = bytes + (name and #name or 0) + (data and #data or 0) + (reason and #reason or 0)
    -- A name or failure reason is rarely large: read, but over the cap not searched.
    if name and #name > field_cap then
      name, skipped = false, true
    end
    if reason and #reason > field_cap then
      reason, skipped = false, true
    end
    if skipped then
      too_large = too_large + 1
    end
    if exists then -- a vanished job is read, not matched
      if holds(id) or holds(name) or holds(data) or holds(reason) then
        local index = matches_before + matched
        if index >= start and index <= stop then
          rows[#rows + 1] = row_of(id, scores[i])
        end
        matched = matched + 1
      end
    end
  end
end
if at >= total then
  ended = 1
end
return {total, actual, rows, read, matched, bytes, at, last, too_large, ended}
