-- resolve_discord (read only): KEYS[1] the link record; ARGV[1] key prefix.
-- Answers {} or {key id, role, linked_at}; {} too when the key is gone.
local id, role, linked_at = unpack(redis.call('HMGET', KEYS[1], 'api_key_id', 'role', 'linked_at'))
if not id or redis.call('EXISTS', ARGV[1] .. id) == 0 then
  return {}
end
return {id, role, linked_at}
