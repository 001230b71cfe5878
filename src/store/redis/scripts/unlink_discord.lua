-- unlink_discord: KEYS[3] the link record; ARGV[5] Discord user,
-- ARGV[6] key-links prefix.
local link_key = KEYS[3]
local discord_user, links_prefix = ARGV[5], ARGV[6]
local id = redis.call('HGET', link_key, 'api_key_id')
if not id then
  return {'NOT_FOUND', 'discord link'}
end
redis.call('DEL', link_key)
redis.call('SREM', links_prefix .. id, discord_user)
emit(discord_user, discord_user, cjson.encode({api_key_id = id}))
return {'OK'}
