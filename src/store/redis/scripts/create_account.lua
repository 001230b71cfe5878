-- create_account: KEYS[3] account, KEYS[4] members; ARGV[5] owner,
-- ARGV[6] account id (the event target).
local account_key, members_key = KEYS[3], KEYS[4]
local owner = ARGV[5]
if redis.call('EXISTS', account_key) == 1 then
  return {'ACCOUNT_EXISTS'}
end
redis.call('HSET', account_key, 'owner', owner, 'created_at', NOW)
redis.call('HSET', members_key, owner, 'Owner|' .. NOW)
emit(owner, ARGV[6], cjson.encode({owner = owner}))
return {'OK'}
