-- create_api_key: KEYS[3] members, KEYS[4] the key, KEYS[5] the keys index,
-- KEYS[6] the secret-hash pointer; ARGV[5] actor, ARGV[6] actor's role,
-- ARGV[7] id, ARGV[8] name, ARGV[9] role, ARGV[10] shown prefix,
-- ARGV[11] secret hash.
local members_key, api_key_key, index_key, hash_key = KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local actor, actor_role, id, name, role, prefix, secret_hash =
  ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11]
if not account_exists(members_key) then
  return {'NOT_MEMBER'}
end
local refused = check_actor(members_key, actor, actor_role)
if refused then
  return {refused}
end
if redis.call('EXISTS', api_key_key) == 1 or redis.call('EXISTS', hash_key) == 1 then
  return {'ID_TAKEN'}
end
local newest = redis.call('ZREVRANGE', index_key, 0, 0, 'WITHSCORES')
local order = 1
if newest[2] then
  order = tonumber(newest[2]) + 1
end
redis.call('HSET', api_key_key, 'name', name, 'role', role, 'prefix', prefix,
  'created_at', NOW, 'created_by', actor, 'secret_hash', secret_hash)
redis.call('SET', hash_key, id)
redis.call('ZADD', index_key, order, id)
emit(actor, id, cjson.encode({name = name, role = role}))
return {'OK'}
