/* C twin of points.nyash: 20,000,000 heap Point allocations (freed when dropped, as
 * reference counting does), field reads and calls. */
#include <stdio.h>
#include <stdlib.h>

typedef struct { long x, y; } Point;

static Point *point_new(long x, long y) {
    Point *p = malloc(sizeof *p);
    p->x = x;
    p->y = y;
    return p;
}

static Point *point_add(const Point *a, const Point *b) { return point_new(a->x + b->x, a->y + b->y); }
static long point_sum(const Point *p) { return p->x + p->y; }

int main(void) {
    Point *acc = point_new(0, 0);
    for (long i = 0; i < 20000000; i++) {
        Point *q = point_new(i, 1 - i);
        Point *next = point_add(acc, q);
        free(q);
        free(acc);
        acc = next;
        acc->x = acc->x + 1;
    }
    printf("%ld %ld\n", acc->x, point_sum(acc));
    free(acc);
    return 0;
}
