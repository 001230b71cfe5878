-- create_invitation: KEYS[3] members, KEYS[4] the invitation, KEYS[5] the
-- invitations index, KEYS[6] the rate limit; ARGV[5] actor, ARGV[6] actor's
-- role, ARGV[7] id, ARGV[8] email, ARGV[9] role, ARGV[10] token hash,
-- ARGV[11] expires_at, ARGV[12] limit, ARGV[13] window (ms),
-- ARGV[14] invitation prefix, ARGV[15] email prefix, ARGV[16] token prefix.
local members_key, invitation_key, index_key, limit_key = KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local actor, actor_role, id, email, role = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local token_hash, expires_at, limit, window_ms = ARGV[10], ARGV[11], ARGV[12], ARGV[13]
local invitation_prefix, email_prefix, token_prefix = ARGV[14], ARGV[15], ARGV[16]
if not account_exists(members_key) then
  return {'NOT_MEMBER'}
end
local refused = check_actor(members_key, actor, actor_role)
  or check_no_other_pending(email_prefix, invitation_prefix, email, nil)
if refused then
  return {refused}
end
if redis.call('EXISTS', invitation_key, token_prefix .. token_hash) > 0 then
  return {'ID_TAKEN'}
end
local retry_after = rate_limit_full(limit_key, limit, window_ms)
if retry_after then
  return {'RATE_LIMITED', retry_after}
end
local newest = redis.call('ZREVRANGE', index_key, 0, 0, 'WITHSCORES')
local order = 1
if newest[2] then
  order = tonumber(newest[2]) + 1
end
redis.call('HSET', invitation_key, 'email', email, 'role', role, 'state', 'Pending',
  'invited_by', actor, 'created_at', NOW, 'expires_at', expires_at, 'token_hash', token_hash)
redis.call('ZADD', index_key, order, id)
redis.call('SET', email_prefix .. email, id)
redis.call('SET', token_prefix .. token_hash, id)
rate_limit_hit(limit_key, token_hash)
emit(actor, email, cjson.encode({invitation_id = id, role = role}))
return {'OK'}
