--[[
  One job as its page shows it, in one call: the hash, the newest logs and their count, the
  children (dependencies, processed, failed, unsuccessful) and every state key holding it.

  KEYS[1]    the job hash (bull:Q:<id>)
  KEYS[2..6] its logs list, dependencies set, processed hash, failed hash, unsuccessful zset
  KEYS[7..]  the state keys, in display order
  ARGV[1]    the job id
  ARGV[2]    how many of the newest log lines (0: none)
  ARGV[3]    the state keys' types, "l" (list) or "z" (sorted set) per key, e.g. "llzzzlzz"

  Returns {hash, logs, log count, dependencies, processed, failed, unsuccessful, found,
  errors}: hashes as flat field/value lists; ``found`` one entry per state key: the job's score
  (a zset), "" (a list holding it) or nil; ``errors`` the messages of the reads Redis refused
  (a key of another type), whose parts come back empty. Read-only, and one snapshot: no job
  moves between the reads.
]]
local errors = {}

local function read(default, ...)
  local reply = redis.pcall(...)
  if type(reply) == "table" and reply.err then
    errors[#errors + 1] = reply.err
    return default
  end
  return reply
end

local id, lines = ARGV[1], tonumber(ARGV[2])
local job = read({}, "HGETALL", KEYS[1])
local logs = {}
if lines > 0 then
  logs = read({}, "LRANGE", KEYS[2], -lines, -1)
end
local log_count = read(0, "LLEN", KEYS[2])
local dependencies = read({}, "SMEMBERS", KEYS[3])
local processed = read({}, "HGETALL", KEYS[4])
local failed = read({}, "HGETALL", KEYS[5])
local unsuccessful = read({}, "ZRANGE", KEYS[6], 0, -1)
local found = {}
local index = 6
for kind in string.gmatch(ARGV[3], "[lz]") do
  index = index + 1
  if kind == "z" then
    found[#found + 1] = read(false, "ZSCORE", KEYS[index], id)
  else
    found[#found + 1] = read(false, "LPOS", KEYS[index], id) and ""
  end
end
return {job, logs, log_count, dependencies, processed, failed, unsuccessful, found, errors}
