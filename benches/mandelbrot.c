/* C twin of mandelbrot.nyash: a 1800x1200 grid, up to 100 iterations a point. */
#include <stdio.h>

int main(void) {
    int width = 1800, height = 1200;
    long inside = 0, steps = 0;
    for (int py = 0; py < height; py++) {
        double ci = py * 2.0 / height - 1.0;
        for (int px = 0; px < width; px++) {
            double cr = px * 3.0 / width - 2.0, zr = 0.0, zi = 0.0;
            int k = 0;
            while (k < 100 && zr * zr + zi * zi <= 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                k++;
            }
            steps += k;
            if (k == 100) inside++;
        }
    }
    printf("%ld %ld\n", inside, steps);
    return 0;
}
