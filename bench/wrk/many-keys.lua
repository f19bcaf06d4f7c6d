-- Each request with another limit key: an X-Client header drawn at random
-- from EGOV_KEYS values (default 10), for curves whose limit key is
-- $http_x_client (bench/scenarios/curve-limit-keys.pl).
local keys = tonumber(os.getenv("EGOV_KEYS") or "10")
math.randomseed(42)
request = function()
    wrk.headers["X-Client"] = "client-" .. math.random(0, keys - 1)
    return wrk.format()
end
