--[[
  One level of a flow's tree, in one call: for each parent, its number of children and one
  page of them (pending ones first, then failed, then completed, each sorted by key), and for
  each child its queue, id, name, state and number of children. Keys to describe without their
  siblings (the root, a job on the way to the page's job) come after the parents.

  ARGV[1]  the key prefix with its colon (``bull:``)
  ARGV[2]  the most children per parent
  ARGV[3]  the number of parents, then for each one: its key and the offset of its page
  then     the keys to describe on their own

  A category holding more than SORT_LIMIT children is not sorted (that would read it whole):
  its first members by SSCAN/HSCAN/ZRANGE are taken instead, and the reply says so.

  Returns {pages, described}: each page is {total, unordered (0/1), nodes}; each node is
  {key, queue, id, exists (0/1), name, state or "", category, children}.
]]
local prefix, per_parent, parents = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local SORT_LIMIT = 20000

local function queue_of(key)
  -- The queue whose keys exist, trying each ":" after the prefix (queue names made by Python
  -- may hold colons; job ids may too). Falls back on the first ":".
  local rest = string.sub(key, #prefix + 1)
  local first = nil
  local from = 1
  while true do
    local at = string.find(rest, ":", from, true)
    if not at then break end
    local queue = string.sub(rest, 1, at - 1)
    if first == nil then first = at end
    local base = prefix .. queue .. ":"
    if redis.call("EXISTS", base .. "meta") == 1 or redis.call("EXISTS", base .. "id") == 1 then
      return queue, string.sub(rest, at + 1)
    end
    from = at + 1
  end
  if first then
    return string.sub(rest, 1, first - 1), string.sub(rest, first + 1)
  end
  return "", rest
end

local ZSETS = {"completed", "failed", "delayed", "prioritized", "waiting-children"}
local LISTS = {"active", "wait", "paused"}

local function state_of(base, id)
  for _, name in ipairs(ZSETS) do
    if redis.call("ZSCORE", base .. name, id) then return name end
  end
  for _, name in ipairs(LISTS) do
    if redis.call("LPOS", base .. name, id) then return name end
  end
  return ""
end

local function child_count(key)
  return redis.call("SCARD", key .. ":dependencies") + redis.call("HLEN", key .. ":processed")
    + redis.call("HLEN", key .. ":failed") + redis.call("ZCARD", key .. ":unsuccessful")
end

local function describe(key, category)
  local queue, id = queue_of(key)
  local base = prefix .. queue .. ":"
  local exists = redis.call("EXISTS", key)
  local name = exists == 1 and redis.call("HGET", key, "name") or ""
  return {key, queue, id, exists, name or "", state_of(base, id), category, child_count(key)}
end

-- The members of one category of children, up to ``want`` of them, sorted when affordable.
local function members(key, kind, size, want)
  if size == 0 then return {}, false end
  local list
  if size <= SORT_LIMIT then
    if kind == "set" then list = redis.call("SMEMBERS", key)
    elseif kind == "hash" then list = redis.call("HKEYS", key)
    else list = redis.call("ZRANGE", key, 0, -1) end
    table.sort(list)
    return list, false
  end
  list = {}
  if kind == "zset" then
    return redis.call("ZRANGE", key, 0, want - 1), true
  end
  local cursor = "0"
  repeat
    local reply
    if kind == "set" then reply = redis.call("SSCAN", key, cursor, "COUNT", 1000)
    else reply = redis.call("HSCAN", key, cursor, "COUNT", 1000) end
    cursor = reply[1]
    local step = kind == "set" and 1 or 2
    for i = 1, #reply[2], step do
      if #list < want then list[#list + 1] = reply[2][i] end
    end
  until cursor == "0" or #list >= want
  return list, true
end

local CATEGORIES = {
  {":dependencies", "set", "pending", "SCARD"},
  {":unsuccessful", "zset", "failed", "ZCARD"},
  {":failed", "hash", "ignored", "HLEN"},
  {":processed", "hash", "processed", "HLEN"},
}

local pages = {}
local index = 4
for _ = 1, parents do
  local parent, offset = ARGV[index], tonumber(ARGV[index + 1])
  index = index + 2
  local sizes, total = {}, 0
  for i, category in ipairs(CATEGORIES) do
    sizes[i] = redis.call(category[4], parent .. category[1])
    total = total + sizes[i]
  end
  local nodes, skipped, unordered, seen = {}, 0, 0, {}
  for i, category in ipairs(CATEGORIES) do
    if #nodes >= per_parent then break end
    if skipped + sizes[i] > offset then
      local want = math.max(offset - skipped, 0) + per_parent
      local list, partial = members(parent .. category[1], category[2], sizes[i], want)
      if partial then unordered = 1 end
      local from = math.max(offset - skipped, 0) + 1
      for j = from, #list do
        if #nodes >= per_parent then break end
        local child = list[j]
        if not seen[child] then
          seen[child] = true
          nodes[#nodes + 1] = describe(child, category[3])
        end
      end
    end
    skipped = skipped + sizes[i]
  end
  pages[#pages + 1] = {total, unordered, nodes}
end

local described = {}
for i = index, #ARGV do
  described[#described + 1] = describe(ARGV[i], "")
end
return {pages, described}
