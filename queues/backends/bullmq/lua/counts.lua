--[[
  Counts of every state and the paused flag of many queues, in one call.

  ARGV[1]    the key prefix with its colon, e.g. "bull:"
  ARGV[2]    the state keys as "suffix:l" (list) or "suffix:z" (sorted set), comma separated
  ARGV[3..]  queue names

  Returns one string: per queue the counts in ARGV[2]'s order then the paused flag (1/0), comma
  separated, queues separated by newlines. A key of an unexpected type counts -1.
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

local rows = {}
for index = 3, #ARGV do
  local base = prefix .. ARGV[index] .. ":"
  local row = {}
  for s = 1, #suffixes do
    row[s] = size(base .. suffixes[s], kinds[s])
  end
  local paused = redis.pcall("HGET", base .. "meta", "paused")
  row[#suffixes + 1] = (paused == "1" or paused == "true") and 1 or 0
  rows[#rows + 1] = table.concat(row, ",")
end
return table.concat(rows, "\n")
