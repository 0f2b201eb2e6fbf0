--[[
  Failure groups (queues/backends/bullmq/failures.py): a slice of the failed zset, newest
  first, with what grouping needs of each job and nothing more.

  KEYS: the failed zset.
  ARGV: job key prefix ("bull:q:"), offset, count, highest score, cap.

  Returns {total, id1, score1, name1, reason1, class1, frame1, id2, ...} where ``total`` is how
  many jobs have a score up to the highest. ``reason`` is failedReason cut to ``cap`` bytes;
  ``class`` and ``frame`` come from the newest stack trace: a Node stack ("TypeError: msg" then
  "    at fn (file:1:2)" lines: its first "at" line) or a Python traceback (its last
  'File "..."' line and the exception on its last line).
]]
local key, base = KEYS[1], ARGV[1]
local offset, count, top, cap = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local STACK_CAP = 16384

local function parse(stack)
  if not stack or stack == "" then
    return "", ""
  end
  if string.len(stack) > STACK_CAP then
    stack = string.sub(stack, 1, STACK_CAP)
  end
  local lines = {}
  for line in string.gmatch(stack, "[^\n]+") do
    if string.find(line, "%S") then
      lines[#lines + 1] = line
    end
  end
  if #lines == 0 then
    return "", ""
  end
  if string.sub(lines[1], 1, 9) == "Traceback" then
    local frame = ""
    for i = 1, #lines do
      if string.find(lines[i], '^%s*File "') then
        frame = lines[i]
      end
    end
    local class = string.match(lines[#lines], "^([%w_%.]+):") or
      string.match(lines[#lines], "^([%w_%.]+)%s*$") or ""
    return class, frame
  end
  local class = string.match(lines[1], "^([%w_%.$]+):") or
    string.match(lines[1], "^([%w_%.$]+)%s*$") or ""
  for i = 2, #lines do
    if string.find(lines[i], "^%s*at ") then
      return class, lines[i]
    end
  end
  return class, ""
end

local function newest_stack(raw)
  if not raw then
    return nil
  end
  local ok, decoded = pcall(cjson.decode, raw)
  if not ok or type(decoded) ~= "table" or #decoded == 0 then
    return nil
  end
  local last = decoded[#decoded]
  if type(last) ~= "string" then
    return nil
  end
  return last
end

local result = {redis.call("ZCOUNT", key, "-inf", top)}
local flat = redis.call("ZREVRANGEBYSCORE", key, top, "-inf", "WITHSCORES", "LIMIT", offset, count)
for i = 1, #flat, 2 do
  local id = flat[i]
  local values = redis.call("HMGET", base .. id, "name", "failedReason", "stacktrace")
  local reason = values[2] or ""
  if string.len(reason) > cap then
    reason = string.sub(reason, 1, cap)
  end
  local class, frame = parse(newest_stack(values[3]))
  result[#result + 1] = id
  result[#result + 1] = flat[i + 1]
  result[#result + 1] = values[1] or ""
  result[#result + 1] = reason
  result[#result + 1] = class
  result[#result + 1] = frame
end
return result
