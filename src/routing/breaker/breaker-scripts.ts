import { RedisScript } from "../../state/redis-script.js";

/*
 * The state machine of breaker-machine.ts in Lua, so that one script run is one atomic step shared by every
 * replica. One script run takes several breakers (a request's provider and model), so a request pays one round
 * trip to acquire and one to record, however many keys. One hash per breaker key; fields: state, reopenAt,
 * touchedAt, consecutive, probes, probeLeaseUntil, probeSuccesses, and the window as req:<bucket> / fail:<bucket>
 * counters with the windowMs they were counted with. KEYS[1] is a sorted set of breaker keys by last write, for
 * states(). Every write refreshes the hash's and the set's expiry. A backoff (see BreakerStore.backOff) is a
 * string key of its own holding its end, which expires with it; acquire reads it.
 *
 * Integers only go through Lua numbers (%.14g keeps millisecond timestamps exact until the year 5138).
 */

// KEYS[1] index; ARGV[1] now, ARGV[2] idle expiry (ms)
const PRELUDE = `
local index = KEYS[1]
local now = tonumber(ARGV[1])
local idleMs = tonumber(ARGV[2])

local function touch(key, breakerKey)
  redis.call('HSET', key, 'touchedAt', now)
  redis.call('PEXPIRE', key, idleMs)
  redis.call('ZADD', index, now, breakerKey)
  redis.call('PEXPIRE', index, idleMs)
end

local function forgetIfIdle(key, touchedAt)
  if touchedAt and now - tonumber(touchedAt) >= idleMs then
    redis.call('DEL', key)
    return true
  end
  return false
end
`;

// KEYS[2i] breaker hash and KEYS[2i+1] backoff of the i-th breaker; ARGV[3] cooldownMs, ARGV[4] halfOpenProbes,
// ARGV[5] probeLeaseMs, ARGV[6] mode, ARGV[6+i] the i-th breaker key. The breakers are taken in order until one
// refuses. Returns per breaker taken {allowed 0|1, state, retryAfterMs or -1, transition from or '', reason or '',
// backing off 0|1}; the refusal, if any, is the last.
const ACQUIRE = `${PRELUDE}
local cooldownMs = ARGV[3]
local maxProbes = tonumber(ARGV[4])
local probeLeaseMs = tonumber(ARGV[5])
local lastResort = ARGV[6] == 'last_resort'

local function acquire(key, backoffKey, breakerKey)
  local f = redis.call('HMGET', key, 'state', 'reopenAt', 'probes', 'probeLeaseUntil', 'touchedAt')
  local state = f[1] or 'closed'
  if forgetIfIdle(key, f[5]) then state = 'closed' end
  local backoffUntil = tonumber(redis.call('GET', backoffKey) or 0)
  if now < backoffUntil then
    local seen = state
    if state == 'open' and now >= (tonumber(f[2]) or 0) then seen = 'half_open' end
    return {0, seen, backoffUntil - now, '', '', 1}
  end
  if state == 'closed' then return {1, 'closed', -1, '', '', 0} end

  local from, reason = '', ''
  local probes = tonumber(f[3]) or 0
  local leaseUntil = tonumber(f[4]) or 0
  if state == 'open' then
    local reopenAt = tonumber(f[2]) or 0
    local early = now < reopenAt
    if early and not lastResort then return {0, 'open', reopenAt - now, '', '', 0} end
    from, reason = 'open', 'cooldown of ' .. cooldownMs .. ' ms elapsed'
    if early then reason = 'probe ahead of the cooldown: a request had no other candidate' end
    probes, leaseUntil = 0, 0
    redis.call('DEL', key)
    redis.call('HSET', key, 'state', 'half_open')
    touch(key, breakerKey)
  end
  if now >= leaseUntil then probes = 0 end
  if probes >= maxProbes and not lastResort then return {0, 'half_open', -1, from, reason, 0} end
  redis.call('HSET', key, 'probes', probes + 1, 'probeLeaseUntil', now + probeLeaseMs)
  touch(key, breakerKey)
  return {1, 'half_open', -1, from, reason, 0}
end

local results = {}
for i = 1, #ARGV - 6 do
  local result = acquire(KEYS[2 * i], KEYS[2 * i + 1], ARGV[6 + i])
  results[i] = result
  if result[1] == 0 then break end
end
return results
`;

// KEYS[1+i] the i-th breaker's hash; ARGV[3] consecutiveFailures, ARGV[4] failureRatio, ARGV[5] minimumRequests,
// ARGV[6] windowMs, ARGV[7] window buckets, ARGV[8] cooldownMs, ARGV[9] halfOpenSuccesses, ARGV[8+2i] the i-th
// breaker key and ARGV[9+2i] its outcome. Returns per breaker {state, transition from or '', reason or ''}.
const RECORD = `${PRELUDE}
local maxConsecutive = tonumber(ARGV[3])
local failureRatio = tonumber(ARGV[4])
local minimumRequests = tonumber(ARGV[5])
local windowMs = ARGV[6]
local buckets = tonumber(ARGV[7])
local cooldownMs = tonumber(ARGV[8])
local neededSuccesses = tonumber(ARGV[9])

local function record(key, breakerKey, outcome)
  local failed = outcome == 'failure'
  local raw = redis.call('HGETALL', key)
  local h = {}
  for i = 1, #raw, 2 do h[raw[i]] = raw[i + 1] end
  local state = h.state or 'closed'
  if forgetIfIdle(key, h.touchedAt) then state, h = 'closed', {} end
  if state == 'open' then return {'open', '', ''} end
  if outcome == 'neutral' then
    if state == 'half_open' then
      redis.call('HSET', key, 'probes', math.max(0, (tonumber(h.probes) or 0) - 1))
      touch(key, breakerKey)
    end
    return {state, '', ''}
  end

  local function reset(newState)
    redis.call('DEL', key)
    redis.call('HSET', key, 'state', newState)
  end

  local function open(from, why)
    reset('open')
    redis.call('HSET', key, 'reopenAt', now + cooldownMs)
    touch(key, breakerKey)
    return {'open', from, why}
  end

  if state == 'half_open' then
    if failed then return open('half_open', 'probe failed') end
    local successes = (tonumber(h.probeSuccesses) or 0) + 1
    if successes >= neededSuccesses then
      reset('closed')
      touch(key, breakerKey)
      return {'closed', 'half_open', successes .. ' probes succeeded in a row'}
    end
    redis.call('HSET', key, 'probeSuccesses', successes, 'probes', math.max(0, (tonumber(h.probes) or 0) - 1))
    touch(key, breakerKey)
    return {'half_open', '', ''}
  end

  local bucket = math.floor(now / (tonumber(windowMs) / buckets))
  -- Bucket ids counted with another window length are not comparable with this one's: the window starts afresh.
  local sameWindow = h.windowMs == windowMs
  local requests, failures = 1, 0
  for field, value in pairs(h) do
    local kind, id = string.match(field, '^(%a+):(%-?%d+)$')
    if kind then
      if not sameWindow or tonumber(id) <= bucket - buckets then
        redis.call('HDEL', key, field)
      elseif kind == 'req' then
        requests = requests + tonumber(value)
      else
        failures = failures + tonumber(value)
      end
    end
  end
  redis.call('HINCRBY', key, 'req:' .. bucket, 1)

  local consecutive = 0
  if failed then
    redis.call('HINCRBY', key, 'fail:' .. bucket, 1)
    failures = failures + 1
    consecutive = (tonumber(h.consecutive) or 0) + 1
    if consecutive >= maxConsecutive then
      return open('closed', consecutive .. ' consecutive failures')
    end
    if requests >= minimumRequests and failures >= failureRatio * requests then
      return open('closed', failures .. ' of ' .. requests .. ' requests failed within ' .. windowMs .. ' ms')
    end
  end
  redis.call('HSET', key, 'state', 'closed', 'consecutive', consecutive, 'windowMs', windowMs)
  touch(key, breakerKey)
  return {'closed', '', ''}
end

local results = {}
for i = 1, #KEYS - 1 do
  results[i] = record(KEYS[1 + i], ARGV[8 + 2 * i], ARGV[9 + 2 * i])
end
return results
`;

export const acquireScript = new RedisScript(ACQUIRE);
export const recordScript = new RedisScript(RECORD);
