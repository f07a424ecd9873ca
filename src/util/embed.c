/* embed.c - lookup in the generated table of embedded files. */
#include "util/base.h"
#include "util/embed.h"

const struct embedded_file *embed_find(const char *name)
{
    for (const struct embedded_file *f = embedded_files; f->name != NULL; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}
