-- Lua 5.4 twin of points.nyash: 20,000,000 Point allocations, field reads and method calls.
local Point = {}
Point.__index = Point

function Point.new(x, y)
    return setmetatable({ x = x, y = y }, Point)
end

function Point:add(other)
    return Point.new(self.x + other.x, self.y + other.y)
end

function Point:sum()
    return self.x + self.y
end

local acc = Point.new(0, 0)
for i = 0, 19999999 do
    acc = acc:add(Point.new(i, 1 - i))
    acc.x = acc.x + 1
end
print(acc.x .. " " .. acc:sum())
