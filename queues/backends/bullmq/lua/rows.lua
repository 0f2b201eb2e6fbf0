--[[
  Shared by page.lua and search.lua, which take it in with a ``-- #include rows.lua`` line
  (replaced by this file when the scripts are loaded): the state's size, its ids in its order,
  and one job's row of summary fields.

  Also ``resume``: where a call goes on after the last job the previous call read.

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
  local row, copied = {id, score or false}, 0
  for j, field in ipairs(FIELDS) do
    local value = values[j]
    local size = false
    if value then
      copied = copied + string.len(value)
    end
    if value and CAPPED[field] then
      size = string.len(value)
      if size > cap then
        value = string.sub(value, 1, cap)
      end
    end
    row[#row + 1] = value
    row[#row + 1] = size
  end
  return row, copied -- and how many bytes HMGET copied
end

--[[ Where to go on reading after ``anchor``, the last job a previous call read (at position
  ``position - 1`` then): right after it wherever it is now, so jobs added at the head (or
  taken from it) between two calls shift nothing. LPOS looks a little past where the job was;
  beyond, or when the job left the state, reading goes on from ``position``. ]]
local ANCHOR_SLACK = 1000
local function resume(anchor, position)
  if anchor == "" then
    return position
  end
  local rank
  if want == "list" then
    rank = redis.call("LPOS", key, anchor, "MAXLEN", position + ANCHOR_SLACK)
  elseif desc then
    rank = redis.call("ZREVRANK", key, anchor)
  else
    rank = redis.call("ZRANK", key, anchor)
  end
  if rank then
    return rank + 1
  end
  return position
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
