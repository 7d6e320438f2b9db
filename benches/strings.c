/* C twin of strings.nyash: 100,000 lines of 20 pieces each. Every `+` makes a new string
 * (Nyash strings are immutable), so each step here allocates and copies too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *concat(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    memcpy(s, a, la);
    memcpy(s + la, b, lb + 1);
    return s;
}

int main(void) {
    long total = 0, commas = 0;
    char number[32];
    for (long n = 0; n < 100000; n++) {
        char *line = strdup("");
        for (long j = 0; j < 20; j++) {
            snprintf(number, sizeof number, "%ld", n + j);
            char *a = concat(line, "item");
            char *b = concat(a, number);
            char *c = concat(b, ",");
            free(line);
            free(a);
            free(b);
            line = c;
        }
        total += (long)strlen(line);
        if (strncmp(line, "item", 4) == 0) commas++;
        free(line);
    }
    printf("%ld %ld\n", total, commas);
    return 0;
}
