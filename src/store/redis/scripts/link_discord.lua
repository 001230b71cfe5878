-- link_discord: KEYS[3] the secret-hash pointer, KEYS[4] the link record;
-- ARGV[5] Discord user, ARGV[6] secret hash, ARGV[7] key prefix,
-- ARGV[8] key-links prefix. Answers {'OK', key id, role}.
local hash_key, link_key = KEYS[3], KEYS[4]
local discord_user, secret_hash, key_prefix, links_prefix = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local id = redis.call('GET', hash_key)
if not id then
  return {'NOT_FOUND', 'api key'}
end
local role, stored_hash = unpack(redis.call('HMGET', key_prefix .. id, 'role', 'secret_hash'))
if not role or stored_hash ~= secret_hash then
  return {'NOT_FOUND', 'api key'}
end
local previous = redis.call('HGET', link_key, 'api_key_id')
if previous and previous ~= id then
  redis.call('SREM', links_prefix .. previous, discord_user)
end
redis.call('HSET', link_key, 'api_key_id', id, 'role', role, 'linked_at', NOW)
redis.call('SADD', links_prefix .. id, discord_user)
emit(discord_user, discord_user, cjson.encode({api_key_id = id, role = role}))
return {'OK', id, role}
