/* C twin of trees.nyash: perfect binary trees of depth 4..16 below a maximum of 16, built with malloc, checked
 * and freed. */
#include <stdio.h>
#include <stdlib.h>

typedef struct Node { struct Node *left, *right; } Node;

static Node *make(int depth) {
    Node *n = malloc(sizeof *n);
    n->left = depth == 0 ? NULL : make(depth - 1);
    n->right = depth == 0 ? NULL : make(depth - 1);
    return n;
}

static long check(const Node *n) { return n->left == NULL ? 1 : 1 + check(n->left) + check(n->right); }

static void release(Node *n) {
    if (n->left) {
        release(n->left);
        release(n->right);
    }
    free(n);
}

int main(void) {
    int max = 16;
    for (int depth = 4; depth <= max; depth += 2) {
        long iterations = 1L << (max - depth + 4), total = 0;
        for (long i = 0; i < iterations; i++) {
            Node *t = make(depth);
            total += check(t);
            release(t);
        }
        printf("%ld trees of depth %d check: %ld\n", iterations, depth, total);
    }
    return 0;
}
