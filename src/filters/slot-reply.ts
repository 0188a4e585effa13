import { setValues, type SlotCheckKind } from './slot-check.js';

// Every L3/L4 flow carries is_reply.
export const replySlotCheck: SlotCheckKind = (filter) => {
  const replies = setValues(filter.reply);
  if (replies === undefined) return undefined;
  const reply = replies.includes(true);
  const request = replies.includes(false);
  return (slot) => (slot.isReply ? reply : request);
};
