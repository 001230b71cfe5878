-- resolve_api_key (read only): KEYS[1] the secret-hash pointer; ARGV[1] key
-- prefix. Answers {} or {id, role, secret hash}.
local id = redis.call('GET', KEYS[1])
if not id then
  return {}
end
local role, secret_hash = unpack(redis.call('HMGET', ARGV[1] .. id, 'role', 'secret_hash'))
if not role then
  return {}
end
return {id, role, secret_hash}
