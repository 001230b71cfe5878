-- record_login: KEYS[3] members; ARGV[5] user, ARGV[6] details JSON.
local user = ARGV[5]
if not redis.call('HGET', KEYS[3], user) then
  return {'NOT_MEMBER'}
end
emit(user, user, ARGV[6])
return {'OK'}
