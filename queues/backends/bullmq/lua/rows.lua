--[[
  Shared by page.lua and search.lua, which take it in with a ``-- #include rows.lua`` line
  (replaced by this file when the scripts are loaded): the state's size, its ids in its order,
  and one job's row of summary fields.

  The including script declares, before that line, the locals used here: ``key`` (the state
  key), ``base`` (the job key prefix), ``want`` ("list" or "zset"), ``desc`` (highest score
  first, zsets only) and ``cap`` (the most bytes returned of a large field).
]]
local FIELDS = {"name", "data", "opts", "progress", "timestamp", "processedOn", "finishedOn",
                "delay", "priority", "failedReason", "atm", "attemptsMade"}
local CAPPED = {data = true, progress = true, failedReason = true}

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

-- The state's size, or nil when the key is not of the expected type (its type is returned).
local function state_size()
  local actual = redis.call("TYPE", key)["ok"]
  if actual ~= want then
    return nil, actual
  end
  if want == "list" then
    return redis.call("LLEN", key), actual
  end
  return redis.call("ZCARD", key), actual
end
