-- wrk script of load.sh. With the argument `zipf`, each request asks for /products/{id} with ids
-- from 1 to 10,000 drawn from a Zipf distribution (exponent 1): a few products are hot, most are
-- cold. Without it, wrk asks for the URL it was given. When the run ends it prints one line:
--   requests seconds p50_ms p99_ms errors non2xx
local zipf = false
local cdf = {}
local count = 10000

function init(args)
    zipf = args[1] == "zipf"
    if zipf then
        local total = 0
        for rank = 1, count do total = total + 1 / rank end
        local sum = 0
        for rank = 1, count do
            sum = sum + 1 / rank / total
            cdf[rank] = sum
        end
        -- Each thread draws its own sequence.
        math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
    end
end

local function draw()
    local u = math.random()
    local low, high = 1, count
    while low < high do
        local middle = math.floor((low + high) / 2)
        if cdf[middle] < u then low = middle + 1 else high = middle end
    end
    return low
end

function request()
    if zipf then
        return wrk.format("GET", "/products/" .. draw())
    end
    return wrk.format("GET")
end

function done(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
    io.write(string.format("%d %.3f %.3f %.3f %d %d\n", summary.requests, summary.duration / 1e6,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, summary.errors.status))
end
