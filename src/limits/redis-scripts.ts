import { TOLERANCE_MS, WINDOW_MS } from "./gcra.js";
import { RedisScript } from "../state/redis-script.js";

/**
 * Shared by the scripts: `clock` is Redis TIME in ms, the one clock of every replica (lease expiry); `now` is the
 * clock of the per-minute budgets, Redis TIME unless a script pins it from its ARGV. The GCRA helpers mirror
 * gcra.ts. A TAT is stored with %.17g, so it round-trips exactly. Calling TIME before writing needs Redis >= 5
 * (scripts replicated by effects).
 */
const PRELUDE = `
local WINDOW_MS = ${WINDOW_MS}
local TOLERANCE_MS = ${TOLERANCE_MS}
local time = redis.call('TIME')
local clock = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local now = clock

local function check_rate(stored_tat, limit, cost)
  local interval = WINDOW_MS / limit
  local base = math.max(stored_tat or now, now)
  local wait = base - now + math.min(cost, limit) * interval - WINDOW_MS
  if wait > TOLERANCE_MS then return false, math.ceil(wait) end
  return true, base + cost * interval
end

local function rate_state(stored_tat, limit)
  local ahead = math.max((stored_tat or now) - now, 0)
  local remaining = math.max(math.floor((WINDOW_MS - ahead + TOLERANCE_MS) / (WINDOW_MS / limit)), 0)
  return remaining, math.max(math.ceil(ahead - TOLERANCE_MS), 0)
end

-- The key outlives its TAT by a window: a past TAT reads as "free" anyway, and the margin keeps a pinned
-- \`now\` that lags real time from losing a budget to an early expiry.
local function store_tat(key, tat)
  if tat <= now then
    redis.call('DEL', key)
  else
    redis.call('SET', key, string.format('%.17g', tat), 'PX', math.ceil(tat - now) + WINDOW_MS)
  end
end
`;

/**
 * KEYS: leases, request TAT, token TAT.
 * ARGV: lease id, lease TTL ms, max concurrency, requests/min (0 = none), tokens/min (0 = none), estimated tokens,
 * pinned now.
 * Returns: admitted (1/0), in flight, request wait ms, token wait ms, remaining requests, request reset ms,
 * remaining tokens, token reset ms (-1 where that budget is not limited). Writes nothing unless admitted.
 */
export const ADMIT = new RedisScript(`${PRELUDE}
now = tonumber(ARGV[7]) or clock
local ttl = tonumber(ARGV[2])
local max_concurrency = tonumber(ARGV[3])
local rpm = tonumber(ARGV[4])
local tpm = tonumber(ARGV[5])
local estimated_tokens = tonumber(ARGV[6])

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', clock)
local in_flight = redis.call('ZCARD', KEYS[1])
local request_tat = tonumber(redis.call('GET', KEYS[2]))
local token_tat = tonumber(redis.call('GET', KEYS[3]))

local request_ok, request_result = true, 0
if rpm > 0 then request_ok, request_result = check_rate(request_tat, rpm, 1) end
local token_ok, token_result = true, 0
if tpm > 0 then token_ok, token_result = check_rate(token_tat, tpm, estimated_tokens) end

local admitted = in_flight < max_concurrency and request_ok and token_ok
if admitted then
  if rpm > 0 then request_tat = request_result; store_tat(KEYS[2], request_tat) end
  if tpm > 0 then token_tat = token_result; store_tat(KEYS[3], token_tat) end
  redis.call('ZADD', KEYS[1], clock + ttl, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
  in_flight = in_flight + 1
end

local request_remaining, request_reset, token_remaining, token_reset = -1, -1, -1, -1
if rpm > 0 then request_remaining, request_reset = rate_state(request_tat, rpm) end
if tpm > 0 then token_remaining, token_reset = rate_state(token_tat, tpm) end
return {
  admitted and 1 or 0, in_flight,
  request_ok and 0 or request_result, token_ok and 0 or token_result,
  request_remaining, request_reset, token_remaining, token_reset,
}
`);

/**
 * KEYS: leases. ARGV: lease id, lease TTL ms. Returns 1 when extended, 0 when the lease is gone (released, or
 * expired — an expired lease is never revived, its slot may already be someone else's).
 */
export const HEARTBEAT = new RedisScript(`${PRELUDE}
local expiry = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if not expiry or expiry <= clock then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('ZADD', KEYS[1], clock + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

/**
 * KEYS: leases, token TAT. ARGV: lease id, tokens/min (0 = none), actual − reserved tokens, pinned now.
 * A refund lowers the TAT as if only the actual tokens had been reserved; an extra charge is taken now.
 */
export const RELEASE = new RedisScript(`${PRELUDE}
redis.call('ZREM', KEYS[1], ARGV[1])
now = tonumber(ARGV[4]) or clock
local tpm = tonumber(ARGV[2])
local delta = tonumber(ARGV[3])
if tpm == 0 or delta == 0 then return 1 end
local interval = WINDOW_MS / tpm
local stored_tat = tonumber(redis.call('GET', KEYS[2]))
if delta < 0 then
  if stored_tat then store_tat(KEYS[2], stored_tat + delta * interval) end
else
  store_tat(KEYS[2], math.max(stored_tat or now, now) + delta * interval)
end
return 1
`);

/** KEYS: leases. Counts unexpired leases without writing. */
export const COUNT_LIVE = new RedisScript(`${PRELUDE}
return redis.call('ZCOUNT', KEYS[1], string.format('(%.17g', clock), '+inf')
`);
