/* area_import.h - importing Vietnam's official administrative units (issue 8):
 * the Statistics Office's three-level list (province, district, commune, with
 * their codes), per-province boundaries from the government's map, and the July
 * 2025 reorganisation (new units and, for each, the old units merged into it,
 * fully or partly). The formats are those of ../shared/geo/ (see its README); the
 * parsing is in proto/dvhcvn.h, the writing here, through the same core services
 * as every other door (access: admins without a unit or at a top-level unit, as
 * for areas; one transaction; audit; outbox).
 *
 * Every import is idempotent: an area is matched by (code, level) among the areas
 * valid on the effective date; a match whose name, parent, kind or geometry
 * differs is updated, an identical one is left alone (counted unchanged), a
 * missing one is created with valid_from = effective. A dry run does everything
 * in a transaction that is rolled back, and reports the same counts. */
#ifndef PH_CORE_AREA_IMPORT_H
#define PH_CORE_AREA_IMPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct core_ctx;

enum area_import_kind {
    AREA_IMPORT_LIST = 0,           /* dvhcvn-YYYY-MM-DD.json: the three-level list */
    AREA_IMPORT_BOUNDARIES = 1,     /* gis-<code>-<name>.json: one province's outlines */
    AREA_IMPORT_REORGANISATION = 2, /* units-2025-07-01-merges.json */
};

struct area_import_opts {
    enum area_import_kind kind;
    const char *province;   /* a level-1 code ("83"): only that province (for a
                               reorganisation: the new provinces that old one went
                               into, and only the old units of that province);
                               NULL: every province in the file */
    const char *effective;  /* "YYYY-MM-DD": valid_from of what is created (list:
                               default the file's data_date, else today; boundaries:
                               default today; reorganisation: required) */
    bool dry_run;
    /* Called now and then with units done and the total (may be NULL). */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
};

struct area_import_report {
    size_t units;          /* units in the file that the options selected */
    size_t created, updated, unchanged;
    size_t closed;         /* reorganisation: old areas given valid_to = effective */
    size_t successions;    /* reorganisation: succession rows written */
    size_t geometries;     /* boundaries: outlines set or changed */
    size_t not_found;      /* boundaries / reorganisation: units of the file with no
                              area to attach to (e.g. the list was not imported) */
    int64_t import_id;     /* the area_imports row (also for a dry run) */
    const char *effective; /* the effective date used ("YYYY-MM-DD", in cx->arena) */
    bool same_file_again;  /* a non-dry import of this file (SHA-256) with the same
                              options was done before */
    const char *problem;   /* set on PH_EINVAL (then only): what is wrong and where,
                              e.g. 'not a list file: data[62] (83 Tỉnh Bến Tre)
                              level2s[3] (832 Huyện Chợ Lách): "level3s" missing';
                              lives in cx->arena */
};

/* Import json[0..len) as opts says. PH_EINVAL with *field ("file", "province",
 * "effective", "kind") when the file is not of that kind or the options are bad
 * (an unknown province code, a missing or malformed effective date); PH_EPERM
 * for someone who may not write areas. On any error nothing is written. Runs in
 * the caller's transaction (a writer job over HTTP; the CLI opens one). */
ph_err area_import(struct core_ctx *cx, const char *json, size_t len, const struct area_import_opts *opts,
                   struct area_import_report *out, const char **field) __attribute__((warn_unused_result));
const char *area_import_kind_name(enum area_import_kind k); /* "list", "boundaries", "reorganisation" */
bool area_import_kind_parse(const char *s, enum area_import_kind *out);
#endif
