/* static.c - serves the embedded web application (static.h).
 *
 * Caching: index.html is "no-cache" (always revalidated by its ETag, so a new deploy
 * is picked up at the next load, usually as a 304); everything else lives under
 * "/assets/<version>/", a name that changes with any byte of the build, so it is
 * "immutable" for a year and never asked for again. An old version's URL is 404:
 * serving today's bytes under yesterday's name would poison caches.
 *
 * Encodings: gzip and brotli variants were made at build time; the one the client
 * accepts and that is smallest is sent, with "Vary: Accept-Encoding" and an ETag
 * of its own (a strong ETag names exact bytes).
 *
 * Only names in the generated table are ever served: there is no file system
 * access, so "/assets/../../etc/passwd" and its encodings can only miss (h2o has
 * already removed dot segments and decoded the path before we see it). */
#include "util/base.h"
#include <strings.h>
#include "http/http_int.h"
#include "http/resp.h"
#include "http/router.h"
#include "http/static.h"
#include "util/arena.h"

/* Nothing from outside the server. Leaflet and uPlot set styles through the CSSOM
 * (element.style), which style-src does not restrict; Leaflet's default marker
 * images and canvas exports are data: and blob: URLs. No inline script anywhere. */
#define CSP_HEAD "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:"
#define CSP_TAIL                                                                                   \
    "; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "                 \
    "form-action 'self'; frame-ancestors 'none'"
const char static_csp[] = CSP_HEAD CSP_TAIL;

/* A character a tile URL may hold: printable ASCII that cannot end a CSP source
 * (space, ';', ',') nor quote anything. */
static bool tile_char_ok(char c)
{
    return c > ' ' && c < 0x7f && c != ';' && c != ',' && c != '\'' && c != '"' && c != '\\' &&
           c != '<' && c != '>' && c != '`';
}

int http_tile_origin(const char *url, char *out, size_t cap)
{
    const char *host, *end, *p;
    size_t scheme_len;

    if (url == NULL)
        return -1;
    if (strncmp(url, "https://", 8) == 0)
        scheme_len = 8;
    else if (strncmp(url, "http://", 7) == 0)
        scheme_len = 7;
    else
        return -1;
    for (p = url; *p != '\0'; p++)
        if (!tile_char_ok(*p))
            return -1;
    if (p - url > 1000 || strstr(url, "{z}") == NULL || strstr(url, "{x}") == NULL ||
        strstr(url, "{y}") == NULL)
        return -1;
    host = url + scheme_len;
    end = strchr(host, '/');
    if (end == NULL)
        return -1; /* the placeholders must be in the path */
    /* "{s}.tiles.example.org": Leaflet picks a subdomain; CSP's wildcard covers them. */
    bool wildcard = strncmp(host, "{s}.", 4) == 0;
    const char *h0 = wildcard ? host + 4 : host;
    if (h0 >= end)
        return -1;
    for (p = h0; p < end; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-' || *p == ':' || *p == '[' || *p == ']'))
            return -1;
    int n = snprintf(out, cap, "%.*s%s%.*s", (int)scheme_len, url, wildcard ? "*." : "",
                     (int)(end - h0), h0);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* The CSP for this server: the tile server's origin joins img-src when one is
 * configured. */
static const char *csp_of(struct req *r)
{
    char origin[1100];
    const char *url = r->t->cfg->tile_url;
    if (url == NULL || http_tile_origin(url, origin, sizeof(origin)) != 0)
        return static_csp;
    size_t n = sizeof(CSP_HEAD) + 1 + strlen(origin) + sizeof(CSP_TAIL);
    char *csp = arena_alloc(&r->arena, n);
    snprintf(csp, n, "%s %s%s", CSP_HEAD, origin, CSP_TAIL);
    return csp;
}

static int cmp_path(const char *a, size_t la, const char *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    if (c != 0)
        return c;
    return la < lb ? -1 : la > lb;
}

const struct static_file *static_find(const char *path, size_t len)
{
    size_t lo = 0, hi = static_files_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct static_file *f = &static_files[mid];
        int c = cmp_path(path, len, f->path, f->path_len);
        if (c == 0)
            return f;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* The q value (0..1) the Accept-Encoding list gives coding name; -1 when it names
 * neither it nor "*". */
static double coding_q(const char *s, size_t len, const char *name)
{
    size_t nl = strlen(name);
    double star = -1;
    const char *end = s + len;
    while (s < end) {
        const char *item_end = memchr(s, ',', (size_t)(end - s));
        if (item_end == NULL)
            item_end = end;
        while (s < item_end && (*s == ' ' || *s == '\t'))
            s++;
        const char *tok = s;
        while (s < item_end && *s != ';' && *s != ' ' && *s != '\t')
            s++;
        size_t tl = (size_t)(s - tok);
        double q = 1.0;
        /* Parameters: only q matters ("gzip;q=0" refuses gzip). */
        for (const char *p = s; p + 2 <= item_end; p++)
            if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=' && (p == s || p[-1] == ';' ||
                                                               p[-1] == ' ')) {
                char num[8];
                size_t k = 0;
                for (const char *v = p + 2; v < item_end && k < sizeof(num) - 1 &&
                                            ((*v >= '0' && *v <= '9') || *v == '.');
                     v++)
                    num[k++] = *v;
                num[k] = '\0';
                q = k ? strtod(num, NULL) : 0.0;
                break;
            }
        if (tl == nl && strncasecmp(tok, name, nl) == 0)
            return q;
        if (tl == 1 && tok[0] == '*')
            star = q;
        s = item_end < end ? item_end + 1 : end;
    }
    return star;
}

bool static_accepts(const char *accept, size_t len, const char *coding)
{
    return accept != NULL && coding_q(accept, len, coding) > 0;
}

int static_pick_encoding(const struct static_file *f, const char *accept, size_t len)
{
    if (accept == NULL)
        return 0;
    /* brotli is smaller still when both were made; the tool keeps br only then. */
    if (f->br != NULL && coding_q(accept, len, "br") > 0)
        return 2;
    if (f->gz != NULL && coding_q(accept, len, "gzip") > 0)
        return 1;
    return 0;
}

/* Whether If-None-Match (a list of entity tags, or "*") names etag. Weak
 * comparison, as RFC 9110 13.1.2 asks for If-None-Match. */
static bool none_match_hits(h2o_req_t *h, const char *etag)
{
    ssize_t i = h2o_find_header(&h->headers, H2O_TOKEN_IF_NONE_MATCH, -1);
    if (i < 0)
        return false;
    h2o_iovec_t v = h->headers.entries[i].value;
    size_t el = strlen(etag);
    const char *s = v.base, *end = v.base + v.len;
    while (s < end) {
        while (s < end && (*s == ' ' || *s == '\t' || *s == ','))
            s++;
        if (s < end && *s == '*')
            return true;
        if (end - s >= 2 && s[0] == 'W' && s[1] == '/')
            s += 2;
        const char *tag = s;
        if (s < end && *s == '"') {
            s++;
            while (s < end && *s != '"')
                s++;
            if (s < end)
                s++;
        } else {
            while (s < end && *s != ',')
                s++;
        }
        if ((size_t)(s - tag) == el && memcmp(tag, etag, el) == 0)
            return true;
    }
    return false;
}

static int serve(struct req *r)
{
    h2o_req_t *h = r->h2o;
    const struct static_file *f = static_find(h->path_normalized.base, h->path_normalized.len);
    if (f == NULL)
        return resp_error_raw(r, 404, "not_found", "no such resource", "không có tài nguyên này",
                              NULL);
    ssize_t ai = h2o_find_header(&h->headers, H2O_TOKEN_ACCEPT_ENCODING, -1);
    int enc = ai < 0 ? 0
                     : static_pick_encoding(f, h->headers.entries[ai].value.base,
                                            h->headers.entries[ai].value.len);
    const unsigned char *body = enc == 2 ? f->br : enc == 1 ? f->gz : f->data;
    size_t len = enc == 2 ? f->br_len : enc == 1 ? f->gz_len : f->len;
    const char *etag = enc == 2 ? f->etag_br : enc == 1 ? f->etag_gz : f->etag;

    resp_header(r, "etag", etag);
    resp_header(r, "cache-control",
                f->immutable ? "public, max-age=31536000, immutable" : "no-cache");
    if (f->gz != NULL || f->br != NULL)
        resp_header(r, "vary", "Accept-Encoding");
    resp_header(r, "content-security-policy", csp_of(r));
    resp_header(r, "x-content-type-options", "nosniff");
    resp_header(r, "referrer-policy", "no-referrer");
    resp_header(r, "x-frame-options", "DENY");
    if (none_match_hits(h, etag))
        return resp_empty(r, 304);
    if (enc != 0)
        resp_header(r, "content-encoding", enc == 2 ? "br" : "gzip");
    return resp_text(r, 200, f->type, (const char *)body, len);
}

/* GET /api/v1/config: what the web application needs to know of this server's
 * configuration (docs/API.md). */
static int get_config(struct req *r)
{
    const char *url = r->t->cfg->tile_url;
    json_t *o = json_object();
    json_object_set_new(o, "tile_url", url != NULL ? json_string(url) : json_null());
    json_object_set_new(o, "assets_version", json_string(static_version));
    return resp_json(r, 200, o);
}

/* The assets route's final star takes any number of segments (router.h). HEAD is
 * answered as GET without the body. */
const struct route api_static_routes[] = {
    {"GET", "/", serve, ROUTE_PUBLIC, ROUTE_NO_BODY},
    {"GET", "/assets/*", serve, ROUTE_PUBLIC, ROUTE_NO_BODY},
    {"GET", "/api/v1/config", get_config, ROUTE_USER, ROUTE_NO_BODY},
    {NULL, NULL, NULL, 0, ROUTE_NO_BODY},
};
