import { RedisScript } from "../state/redis-script.js";

/**
 * The job record is a hash (fields as in StoredJob, snake_case; result and error as JSON); the tenant's queued
 * index is a sorted set of job ids scored by deadline, so "queued" excludes expired jobs without a sweeper.
 */

/**
 * KEYS: job, tenant's queued index, tenant registry. ARGV: id, now, max depth, record TTL ms, deadline, tenant,
 * then the record's field/value pairs. Returns the number of jobs ahead, or -1 when the queue is full.
 */
export const CREATE_JOB = new RedisScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
local ahead = redis.call('ZCARD', KEYS[2])
if ahead >= tonumber(ARGV[3]) then return -1 end
redis.call('HSET', KEYS[1], unpack(ARGV, 7))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[6])
return ahead
`);

/**
 * KEYS: job, tenant's queued index. ARGV: id, now, record TTL ms.
 * Returns {'started', attempt}, {'expired'} or {'gone'}.
 */
export const START_JOB = new RedisScript(`
local job = redis.call('HMGET', KEYS[1], 'status', 'deadline_at')
local status = job[1]
if status == 'queued' then
  if tonumber(ARGV[2]) >= tonumber(job[2]) then return {'expired'} end
  redis.call('HSET', KEYS[1], 'status', 'running', 'started_at', ARGV[2], 'attempts', 1)
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'started', 1}
end
if status == 'running' then
  local attempt = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'started', attempt}
end
return {'gone'}
`);

/**
 * KEYS: job, tenant's queued index. ARGV: id, now, result TTL ms, required status, new status, result JSON or
 * '', error JSON or ''. Returns 1 when the job was in the required status and is now finished, else 0.
 */
export const FINISH_JOB = new RedisScript(`
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[4] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[5], 'finished_at', ARGV[2])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'result', ARGV[6]) end
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[7]) end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`);

/**
 * KEYS: job, tenant's queued index. ARGV: id, now, result TTL ms, tenant.
 * Returns 'cancelled', 'not_found' (absent, or another tenant's) or 'not_cancellable'.
 */
export const CANCEL_JOB = new RedisScript(`
local job = redis.call('HMGET', KEYS[1], 'tenant', 'status', 'deadline_at')
if job[1] ~= ARGV[4] then return 'not_found' end
if job[2] ~= 'queued' or tonumber(ARGV[2]) >= tonumber(job[3]) then return 'not_cancellable' end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finished_at', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 'cancelled'
`);

/** KEYS: the tenant's mean service time. ARGV: sample ms, weight of the sample, TTL ms. Mirrors nextMeanServiceMs. */
export const RECORD_SERVICE_TIME = new RedisScript(`
local mean = tonumber(redis.call('GET', KEYS[1]))
local sample = tonumber(ARGV[1])
if mean then mean = mean + tonumber(ARGV[2]) * (sample - mean) else mean = sample end
redis.call('SET', KEYS[1], string.format('%.17g', mean), 'PX', ARGV[3])
return 1
`);

/**
 * KEYS: the tenant's bee-queue active list, stalling set and waiting list. ARGV: job id.
 * Moves a job this worker will not finish from active to the head of waiting (bee-queue pops from the right),
 * so another worker takes it now instead of after stall detection. Only if it is still active here.
 */
export const HAND_BACK_JOB = new RedisScript(`
if redis.call('LREM', KEYS[1], 0, ARGV[1]) == 0 then return 0 end
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('RPUSH', KEYS[3], ARGV[1])
return 1
`);

/**
 * KEYS: the tenant's bee-queue stallBlock, stalling set, waiting list and active list. ARGV: stall interval ms.
 * bee-queue's own check, except that stalled jobs go back to the head of the queue (RPUSH: bee-queue pops from the
 * right) in the order they were taken, so a crash does not let younger jobs run first. (bee-queue puts them at the
 * tail so that a job that crashes its worker cannot hog it; here a job's attempts are bounded by
 * queue.max_attempts.) At most one check per stall interval, whoever runs it: -1 when one was made within it,
 * else the number of jobs moved back.
 */
export const RECOVER_STALLED_JOBS = new RedisScript(`
if not redis.call('SET', KEYS[1], '1', 'PX', tonumber(ARGV[1]), 'NX') then return -1 end
local recovered = 0
if redis.call('SCARD', KEYS[2]) > 0 then
  local actives = redis.call('LRANGE', KEYS[4], 0, -1)
  for _, id in ipairs(actives) do
    if redis.call('SISMEMBER', KEYS[2], id) == 1 then
      redis.call('LREM', KEYS[4], 0, id)
      redis.call('RPUSH', KEYS[3], id)
      recovered = recovered + 1
    end
  end
  redis.call('DEL', KEYS[2])
end
local actives = redis.call('LRANGE', KEYS[4], 0, -1)
if #actives > 0 then redis.call('SADD', KEYS[2], unpack(actives)) end
return recovered
`);

/**
 * KEYS: the tenant registry, then for each tenant its queued index, bee-queue waiting list and active list.
 * ARGV: the tenants. Removes from the registry every tenant with no job queued, waiting or taken.
 */
export const PRUNE_TENANTS = new RedisScript(`
local pruned = 0
for i, tenant in ipairs(ARGV) do
  local base = 1 + (i - 1) * 3
  local work = redis.call('ZCARD', KEYS[base + 1])
  work = work + redis.call('LLEN', KEYS[base + 2]) + redis.call('LLEN', KEYS[base + 3])
  if work == 0 then pruned = pruned + redis.call('SREM', KEYS[1], tenant) end
end
return pruned
`);
