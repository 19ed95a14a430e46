-- The uncached product mix of make bench and make profile: 70% random
-- pages (1..250 of 20 over 5,000 products, random sort key), 30% random
-- searches `q=batch N`.
local sorts = {"name", "-name", "price", "-price", "-created_at"}
function init(args)
  math.randomseed(os.time() + tonumber(tostring(args):match("0x(%x+)") or "0", 16) % 100000)
end
function request()
  if math.random() < 0.7 then
    return wrk.format("GET", "/api/v1/products?size=20&page=" .. math.random(1, 250) .. "&sort=" .. sorts[math.random(1, 5)])
  end
  return wrk.format("GET", "/api/v1/products?size=20&q=batch%20" .. math.random(0, 99))
end
