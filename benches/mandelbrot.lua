-- Lua 5.4 twin of mandelbrot.nyash: a 1800x1200 grid, up to 100 iterations a point.
local width, height = 1800, 1200
local inside, steps = 0, 0
for py = 0, height - 1 do
    local ci = py * 2.0 / height - 1.0
    for px = 0, width - 1 do
        local cr = px * 3.0 / width - 2.0
        local zr, zi = 0.0, 0.0
        local k = 0
        while k < 100 and zr * zr + zi * zi <= 4.0 do
            local t = zr * zr - zi * zi + cr
            zi = 2.0 * zr * zi + ci
            zr = t
            k = k + 1
        end
        steps = steps + k
        if k == 100 then inside = inside + 1 end
    end
end
print(inside .. " " .. steps)
