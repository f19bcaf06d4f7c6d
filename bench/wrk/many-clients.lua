-- Each request as from another client: an X-Client header of 1000 values,
-- in turn, for scenarios whose limit key is $http_x_client.
local n = 0
request = function()
    n = (n + 1) % 1000
    wrk.headers["X-Client"] = "client-" .. n
    return wrk.format()
end
