// admin/common.js - what the administration parts share: whether the person may
// write province-wide data (routing rules, categories, areas: an administrator
// without a unit or at a top-level unit) or a given unit's (at or below their own).

export function isGlobalAdmin(user) {
  return !user.unit_id || (user.unit_path || "").split("/").filter(Boolean).length === 1;
}

export function mayWriteUnit(user, unit) {
  if (!user.unit_id) return true;
  return Boolean(unit && (unit.path || "").startsWith(user.unit_path || "\u0000"));
}
