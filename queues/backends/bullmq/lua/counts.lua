--[[
  Counts of every state and the paused flag of many queues, in one call.

  ARGV[1]    the key prefix with its colon, e.g. "bull:"
  ARGV[2]    the state keys as "suffix:l" (list) or "suffix:z" (sorted set), comma separated
  ARGV[3]    the overdue cutoff in epoch ms (now minus the schedules' grace period)
  ARGV[4..]  queue names

  Returns one string: per queue the counts in ARGV[2]'s order, the paused flag (1/0) and the
  overdue flag (1/0), comma separated, queues separated by newlines. A key of an unexpected
  type counts -1. Overdue: a job scheduler (a member of "repeat") whose next run is before the
  cutoff and whose armed job "repeat:<id>:<next run>" is still waiting to run (not finished,
  not gone: a finished scheduler keeps a past score with nothing armed), in a queue that is not
  paused. At most OVERDUE_LOOKS members are looked at per queue, oldest first.
  Read-only; the keys are built here, so this works on a single Redis (not a Cluster).
]]
local prefix = ARGV[1]
local suffixes, kinds = {}, {}
for item in string.gmatch(ARGV[2], "[^,]+") do
  local colon = string.find(item, ":[^:]*$")
  suffixes[#suffixes + 1] = string.sub(item, 1, colon - 1)
  kinds[#kinds + 1] = string.sub(item, colon + 1)
end

local function size(key, kind)
  local reply
  if kind == "l" then
    reply = redis.pcall("LLEN", key)
  else
    reply = redis.pcall("ZCARD", key)
  end
  if type(reply) == "table" then
    return -1
  end
  return reply
end

local OVERDUE_LOOKS = 32
local cutoff = ARGV[3]

local function overdue(base)
  local late = redis.pcall("ZRANGEBYSCORE", base .. "repeat", "-inf", "(" .. cutoff,
    "WITHSCORES", "LIMIT", 0, OVERDUE_LOOKS)
  if type(late) ~= "table" or late.err then
    return 0
  end
  for i = 1, #late, 2 do
    local job_id = "repeat:" .. late[i] .. ":" .. late[i + 1]
    if redis.pcall("EXISTS", base .. job_id) == 1
      and not redis.pcall("ZSCORE", base .. "completed", job_id)
      and not redis.pcall("ZSCORE", base .. "failed", job_id) then
      return 1
    end
  end
  return 0
end

local rows = {}
for index = 4, #ARGV do
  local base = prefix .. ARGV[index] .. ":"
  local row = {}
  for s = 1, #suffixes do
    row[s] = size(base .. suffixes[s], kinds[s])
  end
  local paused = redis.pcall("HGET", base .. "meta", "paused")
  row[#suffixes + 1] = (paused == "1" or paused == "true") and 1 or 0
  row[#suffixes + 2] = row[#suffixes + 1] == 0 and overdue(base) or 0
  rows[#rows + 1] = table.concat(row, ",")
end
return table.concat(rows, "\n")
