/* gpx.c - GPX track points (proto/gpx.h).
 *
 * The part of GPX 1.1 (https://www.topografix.com/GPX/1/1/, "trkType",
 * "wptType") we read:
 *   <gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">
 *     <trk><name>Tuần tra sông Hậu</name>
 *       <trkseg><trkpt lat="10.245" lon="106.375"><ele>3.5</ele>
 *         <time>2026-03-02T01:30:00Z</time></trkpt>...</trkseg></trk></gpx>
 * Elements are matched by local name, so GPX 1.0 (another namespace) and files
 * without a namespace read the same. Everything else (waypoints, routes,
 * extensions) is ignored.
 *
 * Hostile input: XML_PARSE_NONET (no network), no XML_PARSE_NOENT (entities are
 * never substituted, so "billion laughs" cannot expand), no DTD loading, and a
 * document with a DOCTYPE is refused after parsing; libxml2's own limits bound
 * depth and names (no XML_PARSE_HUGE). Sizes are checked before parsing. */
#include "util/base.h"
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include "proto/gpx.h"
#include "util/arena.h"
#include "util/text.h"
#include "util/time.h"

static bool named(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->name != NULL &&
           strcmp((const char *)n->name, name) == 0;
}

/* A decimal number, the whole text (spaces around allowed). */
static bool parse_number(const char *s, double *out)
{
    char *end;

    if (s == NULL)
        return false;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (*s == '\0')
        return false;
    errno = 0;
    *out = strtod(s, &end);
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
        end++;
    return errno == 0 && *end == '\0' && isfinite(*out);
}

/* The trimmed text of element n, in a (NULL when empty). */
static char *text_of(struct arena *a, const xmlNode *n)
{
    xmlChar *c = xmlNodeGetContent(n);
    char *t = NULL;

    if (c != NULL) {
        t = text_trim(a, (const char *)c);
        xmlFree(c);
    }
    return t != NULL && t[0] != '\0' ? t : NULL;
}

static double attr_number(const xmlNode *n, const char *name, bool *ok)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    double d = NAN;

    *ok = v != NULL && parse_number((const char *)v, &d) && isfinite(d);
    xmlFree(v);
    return d;
}

static void read_point(struct arena *a, const xmlNode *n, struct gpx_point *p)
{
    bool ok;

    *p = (struct gpx_point){.ele = NAN};
    p->lat = attr_number(n, "lat", &ok);
    if (!ok || p->lat < -90 || p->lat > 90)
        p->error = "lat";
    p->lon = attr_number(n, "lon", &ok);
    if (p->error == NULL && (!ok || p->lon < -180 || p->lon > 180))
        p->error = "lon";
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        if (named(c, "time")) {
            char *t = text_of(a, c);
            if (t == NULL || time_parse_rfc3339(t, &p->at) != PH_OK) {
                p->at = 0;
                if (p->error == NULL)
                    p->error = "time";
            }
        } else if (named(c, "ele")) {
            char *t = text_of(a, c);
            if (t == NULL || !parse_number(t, &p->ele)) {
                p->ele = NAN;
                if (p->error == NULL)
                    p->error = "ele";
            }
        }
    }
    if (p->error == NULL && p->at == 0)
        p->error = "time";
}

struct walk {
    struct arena *a;
    struct gpx_point *pts;
    size_t n, cap;
    const char *name;
    bool too_many;
};

static void add_point(struct walk *w, const xmlNode *n)
{
    if (w->n == GPX_MAX_POINTS) {
        w->too_many = true;
        return;
    }
    if (w->n == w->cap) {
        size_t ncap = w->cap ? 2 * w->cap : 256;
        struct gpx_point *p = arena_alloc(w->a, ncap * sizeof(*p));
        if (w->n > 0)
            memcpy(p, w->pts, w->n * sizeof(*p));
        w->pts = p;
        w->cap = ncap;
    }
    read_point(w->a, n, &w->pts[w->n++]);
}

/* gpx > trk > (name, trkseg > trkpt): fixed depth, no recursion. */
static void walk_tracks(struct walk *w, const xmlNode *root)
{
    for (const xmlNode *trk = root->children; trk != NULL && !w->too_many; trk = trk->next) {
        if (!named(trk, "trk"))
            continue;
        for (const xmlNode *c = trk->children; c != NULL && !w->too_many; c = c->next) {
            if (named(c, "name") && w->name == NULL) {
                char *t = text_of(w->a, c), *nfc = NULL;
                if (t != NULL && text_is_clean_utf8(t, strlen(t)) &&
                    text_nfc(w->a, t, &nfc) == PH_OK)
                    w->name = nfc;
            } else if (named(c, "trkseg")) {
                for (const xmlNode *p = c->children; p != NULL && !w->too_many; p = p->next)
                    if (named(p, "trkpt"))
                        add_point(w, p);
            }
        }
    }
}

ph_err gpx_parse(const char *data, size_t len, struct arena *a, struct gpx_result *out,
                 const char **why)
{
    xmlDoc *doc = NULL;
    xmlNode *root;
    struct walk w = {.a = a};
    ph_err rc = PH_EPARSE;

    *why = "size";
    if (len > GPX_MAX_BYTES || len > INT32_MAX)
        return PH_ETOOBIG;
    *why = "xml";
    xmlInitParser(); /* once per process; thread-safe and idempotent */
    doc = xmlReadMemory(data, (int)len, "import.gpx", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                            XML_PARSE_NOCDATA);
    if (doc == NULL)
        goto out;
    *why = "doctype";
    if (xmlGetIntSubset(doc) != NULL || doc->extSubset != NULL)
        goto out;
    *why = "gpx";
    root = xmlDocGetRootElement(doc);
    if (root == NULL || !named(root, "gpx"))
        goto out;
    walk_tracks(&w, root);
    *why = "points";
    if (w.too_many) {
        rc = PH_ETOOBIG;
        goto out;
    }
    out->points = w.pts;
    out->n = w.n;
    out->name = w.name;
    *why = NULL;
    rc = PH_OK;
out:
    xmlFreeDoc(doc);
    return rc;
}
