-- invitation.lua: invitation helpers, prepended to the invitation scripts.

-- true when the invitation stored at `key` is Pending and not yet expired.
local function is_pending(key)
  local state, expires_at = unpack(redis.call('HMGET', key, 'state', 'expires_at'))
  return state == 'Pending' and NOW < expires_at
end

-- nil when no other invitation for `email` is pending, else its refusal.
local function check_no_other_pending(email_prefix, invitation_prefix, email, own_id)
  local pending_id = redis.call('GET', email_prefix .. email)
  if pending_id and pending_id ~= own_id and is_pending(invitation_prefix .. pending_id) then
    return 'INVITATION_PENDING'
  end
  return nil
end

-- The pending-by-email pointer goes once the invitation stops being pending.
local function drop_email_pointer(email_prefix, email, id)
  if redis.call('GET', email_prefix .. email) == id then
    redis.call('DEL', email_prefix .. email)
  end
end

