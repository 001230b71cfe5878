-- activity (read only): KEYS[1] members, KEYS[2] the stream to read (all
-- events or one action's); ARGV[1] newest bound ('+' or '(<id>'), ARGV[2]
-- oldest ms kept, ARGV[3] how many. Answers {{'OK'}, {id, field, value,
-- ...}, ...} newest first, or {{'NOT_MEMBER'}} for an unknown account.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {{'NOT_MEMBER'}}
end
local reply = {{'OK'}}
for _, entry in ipairs(redis.call('XREVRANGE', KEYS[2], ARGV[1], ARGV[2], 'COUNT', ARGV[3])) do
  local flat = entry[2]
  table.insert(flat, 1, entry[1])
  table.insert(reply, flat)
end
return reply
