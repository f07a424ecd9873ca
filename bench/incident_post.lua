-- incident_post.lua - wrk script for the ingest benchmark: every request is
-- POST /api/v1/incidents with a bearer token (PHOIHOP_TOKEN) and a realistic
-- field report (a located public-order incident; the server resolves its area,
-- routes it, numbers it and writes its timeline, audit entry and event). Each
-- answer must be 201: wrk counts anything else as non-2xx, which fails the case.
local token = os.getenv("PHOIHOP_TOKEN")
if token == nil or token == "" then
    error("incident_post.lua: set PHOIHOP_TOKEN to a bearer token")
end
local lat = tonumber(os.getenv("BENCH_LAT") or "10.24")
local lon = tonumber(os.getenv("BENCH_LON") or "106.38")
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format(
    '{"category":"public_order","severity":2,' ..
    '"title":"Tụ tập gây rối trật tự tại chợ, cần lực lượng hỗ trợ",' ..
    '"description":"Khoảng 20 thanh niên tụ tập, có dấu hiệu gây rối. Tổ công tác đang theo dõi.",' ..
    '"occurred_at":"2026-11-01T01:30:00Z","location":{"lat":%.5f,"lon":%.5f},' ..
    '"people_involved":20}', lat, lon)
