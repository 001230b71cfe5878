-- drop_replaced_link (no event): KEYS[1] a link record in the account the
-- Discord user linked from before relinking elsewhere; ARGV[1] Discord user,
-- ARGV[2] key-links prefix. The replacing link recorded the change.
local id = redis.call('HGET', KEYS[1], 'api_key_id')
if id then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', ARGV[2] .. id, ARGV[1])
end
return {'OK'}
