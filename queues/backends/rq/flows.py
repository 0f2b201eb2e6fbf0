"""An RQ job's dependency tree (``get_flow``), read with a bounded number of round trips.

RQ links jobs by dependency: a job names the jobs it waits for (``dependency_ids``, a JSON list;
``dependency_id`` from older RQ) and each job keeps the set of jobs waiting for it
(``rq:job:<id>:dependents``). The board shows it as it shows a BullMQ flow, the job that runs
first at the top: a job's parent is the one job it depends on, its children the jobs that wait
for it (which may be in other queues: each job's ``origin``). A job waiting for several jobs has
no single parent, so the walk up stops there.

One script walks up to the top (``UP`` levels at most), then one script per level reads, for
every job of that level, its number of dependents and one page of them (sorted by id; past
``SORT_CAP`` members a set is paged in the order Redis keeps it), each with its queue, state,
description and own number of dependents. Bounds: ``DEPTH`` levels, ``NODES`` jobs in all,
``per_node`` children per job. A job on the way from the top to the page's job is always
shown, even past its parent's page. Reads only: HMGET, EXISTS, SCARD, SMEMBERS, SSCAN.
"""

from __future__ import annotations

from typing import Any

from ..flow_drafts import FlowDraft, LevelWalk, path_down
from ..types import FlowTree, JobRef
from .decode import text
from .keys import STATUS_STATES

#: Levels walked up to the top (``DEPTH`` and ``NODES``: ``flow_drafts``).
UP = 32
#: Dependents read and sorted at most per job; a larger set is paged unordered.
SORT_CAP = 1000
#: Bytes of a description read (the function's name comes first).
DESCRIPTION_CAP = 512

#: ARGV: the page's job id, levels up at most. Returns {chain from the job up, beyond}.
UP_LUA = """
local id, up = ARGV[1], tonumber(ARGV[2])
local chain, seen, beyond = {id}, {[id] = true}, 0
for level = 1, up + 1 do
  local f = redis.call('HMGET', 'rq:job:' .. id, 'dependency_ids', 'dependency_id')
  local parent = nil
  if f[1] and f[1] ~= '' then
    local ok, ids = pcall(cjson.decode, f[1])
    if ok and type(ids) == 'table' and #ids == 1 and type(ids[1]) == 'string' then
      parent = ids[1]
    end
  elseif f[2] and f[2] ~= '' then
    parent = f[2]
  end
  if not parent or seen[parent] or redis.call('EXISTS', 'rq:job:' .. parent) == 0 then break end
  if level > up then beyond = 1; break end
  chain[#chain + 1] = parent
  seen[parent] = true
  id = parent
end
return {chain, beyond}
"""

#: ARGV: per node, sort cap, description cap, parent count, then (id, offset) per parent,
#: then the ids to describe besides (the way down to the page's job). Returns {pages,
#: described}: per parent {total, unordered, {child, ...}}; each child (and each described
#: id) {id, origin, exists, description, status, dependents}.
LEVEL_LUA = """
local per_node, sort_cap, desc_cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local parents = tonumber(ARGV[4])
local function describe(id)
  local key = 'rq:job:' .. id
  local f = redis.call('HMGET', key, 'origin', 'description', 'status')
  local exists = redis.call('EXISTS', key)
  local count = redis.call('SCARD', key .. ':dependents')
  return {id, f[1] or '', exists, string.sub(f[2] or '', 1, desc_cap), f[3] or '', count}
end
local pages = {}
for p = 1, parents do
  local id, offset = ARGV[3 + p * 2], tonumber(ARGV[4 + p * 2])
  local key = 'rq:job:' .. id .. ':dependents'
  local total = redis.call('SCARD', key)
  local members, unordered = {}, 0
  if total <= sort_cap then
    members = redis.call('SMEMBERS', key)
    table.sort(members)
  else
    unordered, offset = 1, 0
    local cursor = '0'
    repeat
      local reply = redis.call('SSCAN', key, cursor, 'COUNT', per_node)
      cursor = reply[1]
      for _, member in ipairs(reply[2]) do
        if #members < per_node then members[#members + 1] = member end
      end
    until cursor == '0' or #members >= per_node
  end
  local children = {}
  for i = offset + 1, math.min(offset + per_node, #members) do
    children[#children + 1] = describe(members[i])
  end
  pages[p] = {total, unordered, children}
end
local described = {}
for i = 5 + parents * 2, #ARGV do
  described[#described + 1] = describe(ARGV[i])
end
return {pages, described}
"""


class RQFlowReader:
    def __init__(self, pool: Any, alias: str) -> None:
        self.pool = pool
        self.alias = alias

    def _node(self, raw: list[Any], pinned: bool = False) -> FlowDraft:
        job_id, origin, exists, description, status, count = (text(v) or "" for v in raw)
        name = description.split("(", 1)[0] or job_id
        state = STATUS_STATES.get(status)
        return FlowDraft(
            key=job_id,
            ref=JobRef(self.alias, origin, job_id, state),
            name=name,
            exists=exists == "1",
            count=int(count or 0),
            pinned=pinned,
        )

    async def read(
        self, queue: str, job_id: str, *, per_node: int = 50, focus_page: int = 1
    ) -> FlowTree | None:
        up = self.pool.script(UP_LUA)
        level = self.pool.script(LEVEL_LUA)
        caps = [per_node, SORT_CAP, DESCRIPTION_CAP]
        chain_raw, beyond = await up(keys=[], args=[job_id, UP])
        chain = [text(raw) or "" for raw in chain_raw]
        path = path_down(chain)
        _pages, described = await level(keys=[], args=[*caps, 0, chain[-1]])
        root = self._node(described[0])
        if len(chain) == 1 and root.count == 0:
            return None

        async def read_level(parents: list[tuple[str, int]], wanted: list[str]) -> Any:
            args: list[Any] = [*caps, len(parents)]
            for key, offset in parents:
                args += [key, offset]
            return await level(keys=[], args=[*args, *wanted])

        walk = LevelWalk(
            read_level=read_level,
            node=self._node,
            key_of=lambda raw: text(raw[0]) or "",
            path=path,
            start=job_id,
            per_node=per_node,
            focus_page=focus_page,
            # RQ drops a job's set of dependents once it has enqueued them: a job on the way
            # down to the page's job is read even when its set is gone.
            expand=lambda node: bool(node.count) or node.key in path,
            unordered_from_top=True,
        )
        cut = await walk.down_from(root)
        return FlowTree(
            root=root.frozen(),
            current=JobRef(self.alias, queue, job_id),
            per_node=per_node,
            root_beyond=bool(int(beyond)),
            cut=cut,
        )
