/* fuzz_attachment_sniff.c - the type of an uploaded file from its bytes
 * (core/attachment.h): libmagic looks at whatever a client sends. Checks: the
 * answer is NULL or one of the six allowed types; the same bytes give the same
 * answer twice (a thread's magic_t keeps no state between calls that matters);
 * attachment_bytes_examine agrees with attachment_sniff and hashes like
 * crypto_hash_sha256. Inputs over the size limit are cut to it. */
#include "util/base.h"
#include <sodium.h>
#include "core/attachment.h"
#include "fuzz.h"

static const char *const allowed[] = {
    "image/jpeg", "image/png", "image/webp", "application/pdf", "video/mp4", "text/plain",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct attachment_bytes b;
    const char *t1, *t2;
    uint8_t want[32];
    bool known = false;

    if (size > attachment_max_bytes())
        size = attachment_max_bytes();
    t1 = attachment_sniff(data, size);
    t2 = attachment_sniff(data, size);
    FUZZ_CHECK(t1 == t2);
    if (size == 0)
        FUZZ_CHECK(t1 == NULL);
    for (size_t i = 0; t1 != NULL && i < PH_NELEM(allowed); i++)
        known = known || strcmp(t1, allowed[i]) == 0;
    FUZZ_CHECK(t1 == NULL || known);

    attachment_bytes_examine(data, size, &b);
    FUZZ_CHECK(b.examined && !b.magic_failed);
    FUZZ_CHECK(b.content_type == t1);
    if (size > 0) {
        crypto_hash_sha256(want, data, size);
        FUZZ_CHECK(memcmp(b.sha256, want, sizeof(want)) == 0);
    }
    return 0;
}
