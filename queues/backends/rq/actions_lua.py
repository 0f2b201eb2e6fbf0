"""The Lua scripts behind the RQ actions: each checks a job's state and changes it in one step.

RQ's own calls (``Job.fetch`` then ``requeue``/``cancel``/``delete``) would unpickle the job's
``meta`` in the web process, and check the state in one round trip and change it in another.
These scripts follow RQ 2.x's data model instead (``rq/job.py``, ``rq/queue.py``,
``rq/registry.py``, ``rq/executions.py``): they never read ``data``, ``meta`` or ``result``,
and a job a worker moved on meanwhile is answered with its status, untouched.

Every script takes ``ARGV[1]`` = the queue's name and builds the keys from RQ's fixed ``rq:``
prefix. Per-job scripts answer ``{code, status}`` for each id: 1 done, 0 in another state,
-1 missing, -2 running (or being taken by a worker), -3 belongs to another queue, -4 no worker
received the stop command.
"""

from __future__ import annotations

_COMMON = r"""
local P = 'rq:'
local q = ARGV[1]
local queue_key = P .. 'queue:' .. q
local function job_key(id) return P .. 'job:' .. id end
-- Job.dependencies_key really has two colons (rq/job.py: prefix 'rq:job:' .. ':' .. id).
local function dependencies_key(id) return P .. 'job::' .. id .. ':dependencies' end
local function registry(name) return P .. name .. ':' .. q end
local REGISTRIES = {'deferred', 'scheduled', 'finished', 'failed', 'canceled'}

local function field(id, name)
  local value = redis.call('HGET', job_key(id), name)
  if not value then return '' end
  return value
end

-- Another queue's job (its origin) is left alone: acting would move it between queues.
local function foreign(id)
  local origin = field(id, 'origin')
  return origin ~= '' and origin ~= q
end

-- As Queue._enqueue_job: status, enqueued_at and origin, the job's ttl, then the push.
local function enqueue(id, now_iso, at_front)
  local key = job_key(id)
  redis.call('HSET', key, 'status', 'queued', 'enqueued_at', now_iso, 'origin', q)
  local ttl = tonumber(field(id, 'ttl'))
  if ttl and ttl > 0 then
    redis.call('EXPIRE', key, ttl)
    redis.call('EXPIRE', key .. ':dependents', ttl)
    redis.call('EXPIRE', dependencies_key(id), ttl)
  end
  if at_front then
    redis.call('LPUSH', queue_key, id)
  else
    redis.call('RPUSH', queue_key, id)
  end
  redis.call('SADD', P .. 'queues', queue_key)
end

-- As FailedJobRegistry.requeue: the failure's times and traceback go, retries are kept.
local function requeue(id, now_iso)
  redis.call('ZREM', registry('failed'), id)
  redis.call('HSET', job_key(id), 'started_at', '', 'ended_at', '')
  redis.call('HDEL', job_key(id), 'exc_info')
  enqueue(id, now_iso, false)
end

-- As Job.delete: registries, executions, group, the hash and its dependency sets.
local function delete_job(id)
  for _, name in ipairs(REGISTRIES) do
    redis.call('ZREM', registry(name), id)
  end
  local executions = P .. 'executions:' .. id
  for _, execution in ipairs(redis.call('ZRANGE', executions, 0, 99)) do
    redis.call('DEL', P .. 'execution:' .. id .. ':' .. execution)
    redis.call('ZREM', registry('wip'), id .. ':' .. execution)
  end
  redis.call('DEL', executions)
  local group = field(id, 'group_id')
  if group ~= '' then
    redis.call('SREM', P .. 'group:' .. group, id)
  end
  local key = job_key(id)
  redis.call('DEL', key, key .. ':dependents', dependencies_key(id))
end

local function older(id, cutoff_iso)
  local ended = field(id, 'ended_at')
  return ended == '' or ended <= cutoff_iso
end
"""

#: ARGV: queue, now (RQ's time format), then job ids.
RETRY = (
    _COMMON
    + r"""
local out = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  if redis.call('EXISTS', job_key(id)) == 0 then
    out[#out + 1] = {-1, ''}
  elseif foreign(id) then
    out[#out + 1] = {-3, field(id, 'origin')}
  elseif not redis.call('ZSCORE', registry('failed'), id) then
    out[#out + 1] = {0, field(id, 'status')}
  else
    requeue(id, ARGV[2])
    out[#out + 1] = {1, 'queued'}
  end
end
return out
"""
)

#: ARGV: queue, now, then job ids. A scheduled job leaves its registry as the scheduler takes
#: it; a deferred one also leaves its dependencies' dependents, so it is not enqueued twice.
PROMOTE = (
    _COMMON
    + r"""
local out = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local key = job_key(id)
  if redis.call('EXISTS', key) == 0 then
    out[#out + 1] = {-1, ''}
  elseif foreign(id) then
    out[#out + 1] = {-3, field(id, 'origin')}
  elseif redis.call('ZREM', registry('scheduled'), id) == 1 then
    enqueue(id, ARGV[2], field(id, 'enqueue_at_front') == '1')
    out[#out + 1] = {1, 'queued'}
  elseif redis.call('ZREM', registry('deferred'), id) == 1 then
    for _, parent in ipairs(redis.call('SMEMBERS', dependencies_key(id))) do
      redis.call('SREM', job_key(parent) .. ':dependents', id)
    end
    enqueue(id, ARGV[2], field(id, 'enqueue_at_front') == '1')
    out[#out + 1] = {1, 'queued'}
  else
    out[#out + 1] = {0, field(id, 'status')}
  end
end
return out
"""
)

#: ARGV: queue, now (seconds), then job ids. As Job.cancel without enqueueing dependents: only
#: jobs not started yet (queued, deferred, scheduled) are canceled.
CANCEL = (
    _COMMON
    + r"""
local out = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local status = field(id, 'status')
  local taken = false
  if redis.call('EXISTS', job_key(id)) == 0 then
    out[#out + 1] = {-1, ''}
  elseif foreign(id) then
    out[#out + 1] = {-3, field(id, 'origin')}
  else
    if status == 'queued' then
      taken = redis.call('LREM', queue_key, 1, id) == 0
    elseif status == 'deferred' or status == 'scheduled' then
      taken = redis.call('ZREM', registry(status), id) == 0
    else
      taken = nil
    end
    if taken == nil then
      out[#out + 1] = {0, status}
    elseif taken then
      out[#out + 1] = {-2, status}
    else
      redis.call('HSET', job_key(id), 'status', 'canceled')
      redis.call('ZADD', registry('canceled'), ARGV[2], id)
      out[#out + 1] = {1, 'canceled'}
    end
  end
end
return out
"""
)

#: ARGV: queue, (unused), then job ids. As send_stop_job_command: the worker running the job
#: is told on its command channel; it kills the work horse and the job becomes ``stopped``.
STOP = (
    _COMMON
    + r"""
local out = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local status = field(id, 'status')
  if redis.call('EXISTS', job_key(id)) == 0 then
    out[#out + 1] = {-1, ''}
  elseif foreign(id) then
    out[#out + 1] = {-3, field(id, 'origin')}
  elseif status ~= 'started' then
    out[#out + 1] = {0, status}
  else
    local worker = field(id, 'worker_name')
    local heard = 0
    if worker ~= '' then
      local command = cjson.encode({command = 'stop-job', job_id = id})
      heard = redis.call('PUBLISH', P .. 'pubsub:' .. worker, command)
    end
    if heard > 0 then
      out[#out + 1] = {1, status}
    else
      out[#out + 1] = {-4, status}
    end
  end
end
return out
"""
)

#: ARGV: queue, (unused), then job ids. Never a started job, nor a queued one a worker is
#: taking (in the queue's intermediate list). Registry entries whose job expired are dropped.
REMOVE = (
    _COMMON
    + r"""
local out = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local status = field(id, 'status')
  if redis.call('EXISTS', job_key(id)) == 0 then
    local dropped = redis.call('LREM', queue_key, 1, id)
    for _, name in ipairs(REGISTRIES) do
      dropped = dropped + redis.call('ZREM', registry(name), id)
    end
    if dropped > 0 then out[#out + 1] = {1, ''} else out[#out + 1] = {-1, ''} end
  elseif foreign(id) then
    out[#out + 1] = {-3, field(id, 'origin')}
  elseif status == 'started' then
    out[#out + 1] = {-2, status}
  elseif status == 'queued' and redis.call('LREM', queue_key, 1, id) == 0
      and redis.call('LPOS', queue_key .. ':intermediate', id) then
    out[#out + 1] = {-2, status}
  else
    delete_job(id)
    out[#out + 1] = {1, status}
  end
end
return out
"""
)

#: ARGV: queue, now, batch, scan, cutoff (RQ's time format). Requeues up to ``batch`` failed
#: jobs that ended at or before the cutoff, looking at most at ``scan`` entries; answers
#: {ids, entries before, entries looked at}.
RETRY_ALL = (
    _COMMON
    + r"""
local batch, scan = tonumber(ARGV[3]), tonumber(ARGV[4])
local key = registry('failed')
local before = redis.call('ZCARD', key)
local ids = redis.call('ZRANGE', key, 0, scan - 1)
local moved = {}
for _, id in ipairs(ids) do
  if #moved >= batch then break end
  if redis.call('EXISTS', job_key(id)) == 1 and not foreign(id) and older(id, ARGV[5]) then
    requeue(id, ARGV[2])
    moved[#moved + 1] = id
  end
end
return {moved, before, #ids}
"""
)

#: ARGV: queue, now, batch. Enqueues up to ``batch`` scheduled jobs, soonest first.
PROMOTE_ALL = (
    _COMMON
    + r"""
local key = registry('scheduled')
local ids = redis.call('ZRANGE', key, 0, tonumber(ARGV[3]) - 1)
local moved = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', key, id)
  if redis.call('EXISTS', job_key(id)) == 1 then
    enqueue(id, ARGV[2], field(id, 'enqueue_at_front') == '1')
    moved[#moved + 1] = id
  end
end
return {moved, redis.call('ZCARD', key)}
"""
)

#: ARGV: queue, registry, batch, scan, cutoff (RQ's time format), cutoff (seconds). Deletes up
#: to ``batch`` jobs of a finished, failed or canceled registry that ended (canceled: were
#: canceled) at or before the cutoff; entries whose job expired are dropped. Answers
#: {ids, entries before, entries looked at}.
CLEAN = (
    _COMMON
    + r"""
local name, batch, scan = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local key = registry(name)
local before = redis.call('ZCARD', key)
local entries = redis.call('ZRANGE', key, 0, scan - 1, 'WITHSCORES')
local deleted = {}
for i = 1, #entries, 2 do
  if #deleted >= batch then break end
  local id = entries[i]
  local old
  if name == 'canceled' then
    old = tonumber(entries[i + 1]) <= tonumber(ARGV[6])
  else
    old = older(id, ARGV[5])
  end
  if redis.call('EXISTS', job_key(id)) == 0 then
    redis.call('ZREM', key, id)
    deleted[#deleted + 1] = id
  elseif old and not foreign(id) then
    delete_job(id)
    deleted[#deleted + 1] = id
  end
end
return {deleted, before, #entries / 2}
"""
)

#: ARGV: queue, batch. Queue.empty in bounded steps: pops up to ``batch`` ids and deletes each
#: job still queued (an id left over from a job in another state only leaves the list).
EMPTY = (
    _COMMON
    + r"""
local deleted = {}
for i = 1, tonumber(ARGV[2]) do
  local id = redis.call('LPOP', queue_key)
  if not id then break end
  local status = field(id, 'status')
  if status == 'queued' or status == '' then
    delete_job(id)
    deleted[#deleted + 1] = id
  end
end
return {deleted, redis.call('LLEN', queue_key)}
"""
)

#: ARGV: queue, registry, limit, cutoff (RQ's time format), cutoff (seconds). How many jobs
#: CLEAN would delete, reading at most ``limit`` entries (beyond: the registry's size).
COUNT_OLDER = (
    _COMMON
    + r"""
local name, limit = ARGV[2], tonumber(ARGV[3])
local key = registry(name)
local size = redis.call('ZCARD', key)
if size > limit then return size end
local entries = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
local count = 0
for i = 1, #entries, 2 do
  local id = entries[i]
  if name == 'canceled' then
    if tonumber(entries[i + 1]) <= tonumber(ARGV[5]) then count = count + 1 end
  elseif redis.call('EXISTS', job_key(id)) == 0 or older(id, ARGV[4]) then
    count = count + 1
  end
end
return count
"""
)
