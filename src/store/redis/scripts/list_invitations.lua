-- list_invitations (read only): KEYS[1] members, KEYS[2] the invitations
-- index; ARGV[1] invitation prefix. Answers {{'OK'}, {id, order, field,
-- value, ...}, ...} or {{'NOT_MEMBER'}} for an unknown account.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {{'NOT_MEMBER'}}
end
local reply = {{'OK'}}
local index = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #index, 2 do
  local entry = redis.call('HGETALL', ARGV[1] .. index[i])
  table.insert(entry, 1, index[i + 1])
  table.insert(entry, 1, index[i])
  table.insert(reply, entry)
end
return reply
