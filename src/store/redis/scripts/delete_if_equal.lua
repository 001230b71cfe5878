-- delete_if_equal: KEYS[1] a string key; ARGV[1] the value it must hold.
-- Drops a global Discord pointer only if it still names the account.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
