/* C twin of maps.nyash: a chained hash map with string keys (FNV-1a), 200,000 keys set,
 * read back and tested, 5 rounds. Keys are built with snprintf, as "key" + i builds a
 * string. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Entry { char *key; long value; struct Entry *next; } Entry;
typedef struct { Entry **buckets; size_t mask, len; } Map;

static size_t hash(const char *s) {
    size_t h = 1469598103934665603u;
    while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211u;
    return h;
}

static Entry *find(Map *m, const char *key) {
    for (Entry *e = m->buckets[hash(key) & m->mask]; e; e = e->next)
        if (strcmp(e->key, key) == 0) return e;
    return NULL;
}

static void grow(Map *m) {
    size_t size = (m->mask + 1) * 2;
    Entry **buckets = calloc(size, sizeof *buckets);
    for (size_t i = 0; i <= m->mask; i++)
        for (Entry *e = m->buckets[i], *next; e; e = next) {
            next = e->next;
            e->next = buckets[hash(e->key) & (size - 1)];
            buckets[hash(e->key) & (size - 1)] = e;
        }
    free(m->buckets);
    m->buckets = buckets;
    m->mask = size - 1;
}

static void set(Map *m, const char *key, long value) {
    Entry *e = find(m, key);
    if (e) { e->value = value; return; }
    if (m->len + 1 > m->mask) grow(m);
    e = malloc(sizeof *e);
    e->key = strdup(key);
    e->value = value;
    e->next = m->buckets[hash(key) & m->mask];
    m->buckets[hash(key) & m->mask] = e;
    m->len++;
}

static void clear(Map *m) {
    for (size_t i = 0; i <= m->mask; i++)
        for (Entry *e = m->buckets[i], *next; e; e = next) {
            next = e->next;
            free(e->key);
            free(e);
        }
    free(m->buckets);
}

int main(void) {
    long total = 0, found = 0;
    char key[32];
    for (int round = 0; round < 5; round++) {
        Map m = { calloc(8, sizeof(Entry *)), 7, 0 };
        for (long i = 0; i < 200000; i++) {
            snprintf(key, sizeof key, "key%ld", i);
            set(&m, key, i);
        }
        for (long i = 0; i < 200000; i++) {
            snprintf(key, sizeof key, "key%ld", i);
            Entry *e = find(&m, key);
            if (e) { total += e->value; found++; }
        }
        clear(&m);
    }
    printf("%ld %ld\n", total, found);
    return 0;
}
