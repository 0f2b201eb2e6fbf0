--[[
  The last finished runs of one job scheduler: its jobs (ids "repeat:<id>:<millis>", field rjk
  = the id) among the newest ARGV[4] members of completed and of failed. Bounded: says how
  many members it looked at and whether a set held more.

  KEYS[1]  the completed zset, KEYS[2] the failed zset
  ARGV[1]  the queue's key prefix (bull:Q:)
  ARGV[2]  the job id prefix of the scheduler's runs ("repeat:<id>:")
  ARGV[3]  the scheduler id
  ARGV[4]  the most members looked at per set
  ARGV[5]  the most runs returned per set

  Returns {scanned, stopped, rows}; each row is {job id, set index (1 completed, 2 failed),
  processedOn|false, finishedOn|false, timestamp|false}.
]]
local base, head, id = ARGV[1], ARGV[2], ARGV[3]
local limit, wanted = tonumber(ARGV[4]), tonumber(ARGV[5])
local rcall = redis.call
local scanned, stopped, rows = 0, 0, {}

for index = 1, 2 do
  local key = KEYS[index]
  if rcall("TYPE", key)["ok"] == "zset" then
    local members = rcall("ZREVRANGE", key, 0, limit - 1)
    scanned = scanned + #members
    if rcall("ZCARD", key) > limit then
      stopped = 1
    end
    local found = 0
    for _, job_id in ipairs(members) do
      if found >= wanted then
        break
      end
      if string.sub(job_id, 1, #head) == head then
        local values = rcall("HMGET", base .. job_id, "rjk", "processedOn", "finishedOn", "timestamp")
        if values[1] == id or (values[1] == false and values[3]) then
          rows[#rows + 1] = {job_id, index, values[2], values[3], values[4]}
          found = found + 1
        end
      end
    end
  end
end
return {scanned, stopped, rows}
