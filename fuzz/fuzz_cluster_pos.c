/* fuzz_cluster_pos.c - the position payloads other nodes send on phoihop_pos
 * (events/cluster_pos.c): anyone who may NOTIFY on the database can send one, so
 * the decoder takes outside input. Besides crashes it checks that what decodes
 * carries a node id of 16 hex digits, and that encoding the decoded fixes again
 * decodes to the same node and no more fixes than were given. */
#include "util/base.h"
#include "events/cluster.h"
#include "events/livepos.h"
#include "util/arena.h"
#include "util/buf.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    struct arena a;
    char node[CLUSTER_NODE_ID_BYTES], again[CLUSTER_NODE_ID_BYTES];
    struct livepos_fix *fixes = NULL, *fixes2 = NULL;
    size_t n = 0, n2 = 0;

    arena_init(&a);
    if (cluster_pos_decode(s, &a, node, &fixes, &n) == PH_OK) {
        FUZZ_CHECK(strlen(node) == CLUSTER_NODE_ID_BYTES - 1);
        FUZZ_CHECK(strspn(node, "0123456789abcdef") == CLUSTER_NODE_ID_BYTES - 1);
        struct buf b;
        buf_init(&b, CLUSTER_PAYLOAD_MAX + 1); /* as the sender (cluster.c) */
        size_t took = cluster_pos_encode(node, fixes, n, &b);
        FUZZ_CHECK(took <= n);
        if (took > 0) {
            FUZZ_CHECK(cluster_pos_decode(b.data, &a, again, &fixes2, &n2) == PH_OK);
            FUZZ_CHECK(strcmp(again, node) == 0);
            FUZZ_CHECK(n2 == took);
        }
        buf_release(&b);
    }
    arena_release(&a);
    free(s);
    return 0;
}
