--[[
  The chain from a job up to the root of its flow, in one call: each job's ``parentKey``,
  followed at most ARGV[2] levels (a cycle, which BullMQ never writes, stops the walk too).

  ARGV[1]  the job's key (``<prefix>:<queue>:<id>``)
  ARGV[2]  the most levels to go up

  Returns the keys from the job to the highest one reached, and 1 when the walk stopped at the
  limit (the root may be higher up), else 0.
]]
local key, limit = ARGV[1], tonumber(ARGV[2])
local chain, seen = {key}, {[key] = true}
for _ = 1, limit do
  local parent = redis.call("HGET", key, "parentKey")
  if not parent or parent == "" or seen[parent] then
    return {chain, 0}
  end
  chain[#chain + 1] = parent
  seen[parent] = true
  if redis.call("EXISTS", parent) == 0 then
    return {chain, 0}
  end
  key = parent
end
local parent = redis.call("HGET", key, "parentKey")
return {chain, (parent and parent ~= "" and not seen[parent]) and 1 or 0}
