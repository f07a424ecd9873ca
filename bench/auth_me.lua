-- auth_me.lua - wrk script: every request carries "Authorization: Bearer <token>",
-- the token coming from the environment variable PHOIHOP_TOKEN (bench/run.sh logs in
-- and sets it). Used against nginx too, so both servers get requests of the same size.
local token = os.getenv("PHOIHOP_TOKEN")
if token == nil or token == "" then
    error("auth_me.lua: set PHOIHOP_TOKEN to a bearer token")
end
wrk.headers["Authorization"] = "Bearer " .. token
