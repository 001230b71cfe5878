-- delete_api_key: KEYS[3] members, KEYS[4] the key, KEYS[5] the keys index,
-- KEYS[6] the key's Discord links; ARGV[5] actor, ARGV[6] actor's role,
-- ARGV[7] id, ARGV[8] secret-hash prefix, ARGV[9] Discord link prefix.
-- Answers {'OK', discord user, ...}: the links removed with the key (the
-- caller then drops their global pointers).
local members_key, api_key_key, index_key, links_key = KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local actor, actor_role, id, hash_prefix, link_prefix = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
if not account_exists(members_key) then
  return {'NOT_MEMBER'}
end
local refused = check_actor(members_key, actor, actor_role)
if refused then
  return {refused}
end
local name, secret_hash = unpack(redis.call('HMGET', api_key_key, 'name', 'secret_hash'))
if not name then
  return {'NOT_FOUND', 'api key'}
end
local reply = {'OK'}
for _, discord_user in ipairs(redis.call('SMEMBERS', links_key)) do
  local link_key = link_prefix .. discord_user
  -- The user may have relinked with another key since: that link stays.
  if redis.call('HGET', link_key, 'api_key_id') == id then
    redis.call('DEL', link_key)
    table.insert(reply, discord_user)
  end
end
redis.call('DEL', hash_prefix .. secret_hash, links_key, api_key_key)
redis.call('ZREM', index_key, id)
emit(actor, id, cjson.encode({name = name}))
return reply
