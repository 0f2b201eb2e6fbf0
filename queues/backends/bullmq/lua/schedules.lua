--[[
  A page of a queue's job schedulers (or one of them), read only: the repeat zset's members
  with their next run, each one's hash, and whether its armed job exists. Members without a
  hash are returned too (never cleaned, unlike Node's getJobSchedulers).

  KEYS[1]  the repeat zset (bull:Q:repeat)
  KEYS[2]  the queue's meta hash (paused flag)
  KEYS[3]  the delayed zset, KEYS[4] completed, KEYS[5] failed (an armed job that finished
           is no longer armed: the last run of a finished scheduler keeps its id)
  ARGV[1]  the queue's key prefix (bull:Q:)
  ARGV[2]  the first position, ARGV[3] the last one (inclusive), soonest next run first
  ARGV[4]  the most bytes returned of a template field (data, opts)
  ARGV[5]  one scheduler id to read instead of a page ("" for a page)

  Returns {total, paused, type, rows}; each row is {id, score|false, {field, value, ...},
  {field, full byte length, ...} of the fields cut short, armed} where armed is 0 (no job),
  1 (delayed) or 2 (exists, neither delayed nor finished).
]]
local repeat_key, meta_key, delayed_key = KEYS[1], KEYS[2], KEYS[3]
local completed_key, failed_key = KEYS[4], KEYS[5]
local base, cap, one = ARGV[1], tonumber(ARGV[4]), ARGV[5]
local rcall = redis.call

local kind = rcall("TYPE", repeat_key)["ok"]
local paused = rcall("HEXISTS", meta_key, "paused")
if kind ~= "zset" and kind ~= "none" then
  return {0, paused, kind, {}}
end
local total = rcall("ZCARD", repeat_key)

local members = {}
if one ~= "" then
  local score = rcall("ZSCORE", repeat_key, one)
  if score or rcall("EXISTS", base .. "repeat:" .. one) == 1 then
    members = {one, score or false}
  end
else
  members = rcall("ZRANGE", repeat_key, tonumber(ARGV[2]), tonumber(ARGV[3]), "WITHSCORES")
end

local rows = {}
for i = 1, #members, 2 do
  local id, score = members[i], members[i + 1]
  local hash_key = base .. "repeat:" .. id
  local fields = {}
  local cut = {}
  if rcall("TYPE", hash_key)["ok"] == "hash" then
    local raw = rcall("HGETALL", hash_key)
    for j = 1, #raw, 2 do
      local value = raw[j + 1]
      if #value > cap then
        cut[#cut + 1] = raw[j]
        cut[#cut + 1] = #value
        value = string.sub(value, 1, cap)
      end
      fields[#fields + 1] = raw[j]
      fields[#fields + 1] = value
    end
  end
  local armed = 0
  if score then
    local job_id = "repeat:" .. id .. ":" .. score
    if rcall("ZSCORE", delayed_key, job_id) then
      armed = 1
    elseif rcall("ZSCORE", completed_key, job_id) or rcall("ZSCORE", failed_key, job_id) then
      armed = 0
    elseif rcall("EXISTS", base .. job_id) == 1 then
      armed = 2
    end
  end
  rows[#rows + 1] = {id, score, fields, cut, armed}
end
return {total, paused, kind, rows}
