--[[
  Replace a job's data only while it is in one of the given states (one atomic step, so a
  worker that takes the job meanwhile either sees the new data or the edit is refused).
  KEYS[1] the job hash; KEYS[2..] the state keys allowed
  ARGV[1] the new data (JSON); ARGV[2] the job id; ARGV[3..] "list" or "zset" per state key
  Returns {1, index of the state found, old data}, {0} (in none of them), {-1} (no job).
]]
local rcall = redis.call
if rcall("EXISTS", KEYS[1]) ~= 1 then
  return {-1}
end
for i = 2, #KEYS do
  local found
  if ARGV[i + 1] == "list" then
    found = rcall("LPOS", KEYS[i], ARGV[2])
  else
    found = rcall("ZSCORE", KEYS[i], ARGV[2])
  end
  if found then
    local old = rcall("HGET", KEYS[1], "data")
    rcall("HSET", KEYS[1], "data", ARGV[1])
    return {1, i - 1, old or false}
  end
end
return {0}
