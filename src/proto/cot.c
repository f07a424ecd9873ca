/* cot.c - one Cursor-on-Target event into struct cot_event, with libxml2's
 * SAX2 interface: one pass over the bytes, no tree, no XPath; the few values
 * phoihop uses are copied into the caller's arena as they go by.
 *
 * The wire format (MITRE CoT 2.0, cot-base-event-public.xsd; TAK's detail
 * elements as ATAK, WinTAK and iTAK send them):
 *
 *   <?xml version='1.0' encoding='UTF-8' standalone='yes'?>
 *   <event version='2.0' uid='ANDROID-...' type='a-f-G-U-C' how='m-g'
 *          time='2020-02-08T18:10:46.207Z' start='...' stale='...'>
 *     <point lat='43.96' lon='-66.12' hae='32.9' ce='156.5' le='9999999.0'/>
 *     <detail>                                  (any elements; those we read:)
 *       <contact callsign='C0rv0' endpoint='192.168.1.4:4242:tcp'/>
 *       <__group name='Yellow' role='Team Member'/>
 *       <status battery='62'/>  <track speed='0.0' course='23.8'/>
 *       <takv platform='ATAK-CIV' .../>         (a device describing itself)
 *       <remarks>text</remarks>
 *       <__chat chatroom='..' senderCallsign='..' id='..' parent='..' messageId='..'/>
 *       <link uid='..' type='..' relation='p-p'/>  (the first one)
 *       <emergency type='911 Alert'>callsign</emergency>
 *     </detail>
 *   </event>
 *
 * Hostile input: the bytes are read as UTF-8 whatever the declaration says; a
 * DOCTYPE stops the parser at once (so no entity is ever declared: billion
 * laughs and external entities cannot start), an undeclared entity reference is
 * a well-formedness error, nothing is loaded (no DTD, no XInclude, no network),
 * depth and attribute length are checked as elements open, and the whole event
 * is bounded before libxml2 sees it. libxml2 reports errors to a per-context
 * handler that drops them: nothing reaches stderr, no global state is touched.
 *
 * Each thread keeps one parser context (pthread key, freed at thread exit) and
 * makes a fresh one when its name dictionary has grown past a bound, so a client
 * inventing element names cannot grow it for ever. */
#include "util/base.h"
#include <math.h>
#include <pthread.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include "proto/cot.h"
#include "util/arena.h"
#include "util/text.h"
#include "util/time.h"

/* A context whose dictionary holds more names than this is replaced. */
#define COT_DICT_MAX_NAMES 4096
/* CoT's "unknown" for hae, ce and le. */
#define COT_UNKNOWN 9999999.0
/* Times outside [1970, 2200) are not times a device means. */
#define COT_TIME_MIN_MS 0LL
#define COT_TIME_MAX_MS 7258118400000LL

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctxt_key;

enum text_target { TEXT_NONE, TEXT_REMARKS, TEXT_EMERGENCY };

/* What one parse carries between the SAX callbacks. */
struct pstate {
    struct arena *a;
    struct cot_event *ev;
    const char *why;   /* the first refusal (static text); NULL while all is well */
    int depth;         /* open elements */
    int detail_depth;  /* depth of the <detail> being read; 0 outside one */
    bool seen_root, seen_point;
    bool has_contact, has_endpoint, has_takv, has_group, has_pp_link, seen_link;
    bool seen_remarks, seen_emergency;
    enum text_target text;
    int text_depth;
    char *txt;         /* text of the element in `text`, in the arena */
    size_t txt_n, txt_cap;
};

/* ---- libxml2 set-up --------------------------------------------------------------- */

static void free_ctxt(void *p)
{
    xmlFreeParserCtxt(p);
}

static void do_init(void)
{
    xmlInitParser();
    if (pthread_key_create(&ctxt_key, free_ctxt) != 0)
        abort();
}

void cot_init(void)
{
    pthread_once(&init_once, do_init);
}

static void on_start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
                     int nb_ns, const xmlChar **ns, int nb_attrs, int nb_defaulted,
                     const xmlChar **attrs);
static void on_end(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri);
static void on_text(void *ctx, const xmlChar *s, int len);

/* Note the first reason. The parser is stopped when the callback returns
 * (halt_if_refused): stopping frees the input, which the attribute values the
 * callback still holds point into. */
static void refuse(xmlParserCtxtPtr ctxt, const char *why)
{
    struct pstate *s = ctxt->_private;
    if (s->why == NULL)
        s->why = why;
}

static void halt_if_refused(xmlParserCtxtPtr ctxt)
{
    struct pstate *s = ctxt->_private;
    if (s->why != NULL)
        xmlStopParser(ctxt);
}

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    refuse(ctx, "DOCTYPE not allowed");
    halt_if_refused(ctx);
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *pub,
                           const xmlChar *sys, xmlChar *content)
{
    refuse(ctx, "entity declaration not allowed");
    halt_if_refused(ctx);
}

static void on_reference(void *ctx, const xmlChar *name)
{
    refuse(ctx, "entity reference not allowed");
    halt_if_refused(ctx);
}

/* libxml2's errors are read from ctxt->lastError after the parse; here they are
 * only kept from stderr. */
static void on_error(void *ctx, xmlErrorPtr err)
{
}

/* This thread's parser context with our SAX handler, made on first use. */
static xmlParserCtxtPtr thread_ctxt(void)
{
    xmlParserCtxtPtr ctxt = pthread_getspecific(ctxt_key);

    if (ctxt != NULL && ctxt->dict != NULL && xmlDictSize(ctxt->dict) > COT_DICT_MAX_NAMES) {
        xmlFreeParserCtxt(ctxt);
        ctxt = NULL;
    }
    if (ctxt == NULL) {
        ctxt = xmlNewParserCtxt();
        if (ctxt == NULL)
            abort(); /* out of memory, as xmalloc */
        xmlSAXHandler *h = ctxt->sax;
        memset(h, 0, sizeof(*h));
        h->initialized = XML_SAX2_MAGIC;
        h->startElementNs = on_start;
        h->endElementNs = on_end;
        h->characters = on_text;
        h->ignorableWhitespace = on_text;
        h->cdataBlock = on_text;
        h->internalSubset = on_doctype;
        h->externalSubset = on_doctype;
        h->entityDecl = on_entity_decl;
        h->reference = on_reference;
        h->serror = on_error;
        ctxt->userData = ctxt;
        if (pthread_setspecific(ctxt_key, ctxt) != 0)
            abort();
    }
    return ctxt;
}

/* ---- values ----------------------------------------------------------------------- */

/* A copy of v[0..n) in the arena, in NFC; NULL (and a refusal) when it is not UTF-8.
 * In attribute values (is_attr) libxml2 leaves every '&' (from &amp; or &#38;)
 * as "&#38;" when it does not substitute entities, for a tree builder to
 * decode: no other '&' can be there, so that is all there is to undo. */
static const char *keep_value(xmlParserCtxtPtr ctxt, const char *v, size_t n, bool is_attr)
{
    struct pstate *s = ctxt->_private;
    if (s->why != NULL)
        return NULL;
    char *copy = arena_strndup(s->a, v, n), *nfc = NULL;

    if (is_attr && memchr(copy, '&', n) != NULL) {
        char *w = copy;
        for (const char *r = copy; *r;) {
            if (strncmp(r, "&#38;", 5) == 0) {
                *w++ = '&';
                r += 5;
            } else {
                *w++ = *r++;
            }
        }
        *w = '\0';
        n = (size_t)(w - copy);
        v = copy;
    }

    /* XML keeps C0 controls out, but lets DEL through: core's text checks do not. */
    bool ascii = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == 0x7f) {
            refuse(ctxt, "control character in text");
            return NULL;
        }
        ascii &= c < 0x80;
    }
    if (ascii)
        return copy;
    if (text_nfc(s->a, copy, &nfc) != PH_OK) {
        refuse(ctxt, "text is not UTF-8");
        return NULL;
    }
    return nfc;
}

static const char *keep(xmlParserCtxtPtr ctxt, const char *v, size_t n)
{
    return keep_value(ctxt, v, n, true);
}

/* v[0..n) as a NUL-terminated string in out (size cap); false when longer. */
static bool small_copy(const char *v, size_t n, char *out, size_t cap)
{
    if (n >= cap)
        return false;
    memcpy(out, v, n);
    out[n] = '\0';
    return true;
}

/* A finite decimal number and nothing else (strtod's leading blanks aside). */
static bool parse_num(const char *v, size_t n, double *out)
{
    char tmp[64], *end;
    if (n == 0 || !small_copy(v, n, tmp, sizeof(tmp)))
        return false;
    errno = 0;
    double d = strtod(tmp, &end);
    if (end == tmp || *end != '\0' || !isfinite(d))
        return false;
    *out = d;
    return true;
}

/* hae, ce, le: CoT's 9999999 (unknown) and anything unreadable become NaN. */
static double parse_opt_num(const char *v, size_t n)
{
    double d;
    if (!parse_num(v, n, &d) || fabs(d) >= COT_UNKNOWN)
        return NAN;
    return d;
}

static bool parse_cot_time(const char *v, size_t n, int64_t *ms)
{
    char tmp[48];
    return small_copy(v, n, tmp, sizeof(tmp)) && time_parse_rfc3339(tmp, ms) == PH_OK &&
           *ms >= COT_TIME_MIN_MS && *ms < COT_TIME_MAX_MS;
}

/* type and how: printable ASCII, no blanks (the schema's patterns are stricter:
 * what TAK clients send in practice is let through). */
static bool token_ok(const char *v, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
            return false;
    return true;
}

static bool name_is(const xmlChar *name, const char *lit)
{
    return strcmp((const char *)name, lit) == 0;
}

/* ---- elements --------------------------------------------------------------------- */

/* One attribute of a SAX2 start tag: its local name and value bytes. */
struct attr {
    const char *name, *v;
    size_t n;
};

static void read_event(xmlParserCtxtPtr ctxt, const struct attr *at, int n_at)
{
    struct pstate *s = ctxt->_private;
    struct cot_event *ev = s->ev;
    bool has_time = false, has_start = false, has_stale = false;

    for (int i = 0; i < n_at && s->why == NULL; i++) {
        const struct attr *x = &at[i];
        if (strcmp(x->name, "uid") == 0) {
            if (x->n == 0)
                refuse(ctxt, "empty uid");
            else
                ev->uid = keep(ctxt, x->v, x->n);
        } else if (strcmp(x->name, "type") == 0) {
            if (!token_ok(x->v, x->n))
                refuse(ctxt, "bad type");
            else
                ev->type = arena_strndup(s->a, x->v, x->n);
        } else if (strcmp(x->name, "how") == 0) {
            if (!token_ok(x->v, x->n))
                refuse(ctxt, "bad how");
            else
                ev->how = arena_strndup(s->a, x->v, x->n);
        } else if (strcmp(x->name, "version") == 0) {
            ev->version = keep(ctxt, x->v, x->n);
        } else if (strcmp(x->name, "time") == 0) {
            if (!(has_time = parse_cot_time(x->v, x->n, &ev->time)))
                refuse(ctxt, "bad time");
        } else if (strcmp(x->name, "start") == 0) {
            if (!(has_start = parse_cot_time(x->v, x->n, &ev->start)))
                refuse(ctxt, "bad start");
        } else if (strcmp(x->name, "stale") == 0) {
            if (!(has_stale = parse_cot_time(x->v, x->n, &ev->stale)))
                refuse(ctxt, "bad stale");
        }
    }
    if (s->why != NULL)
        return;
    if (ev->uid == NULL)
        refuse(ctxt, "missing uid");
    else if (ev->type == NULL)
        refuse(ctxt, "missing type");
    else if (ev->how == NULL)
        refuse(ctxt, "missing how");
    else if (!has_time)
        refuse(ctxt, "missing time");
    else if (!has_start)
        refuse(ctxt, "missing start");
    else if (!has_stale)
        refuse(ctxt, "missing stale");
    else if (ev->stale < ev->start)
        refuse(ctxt, "stale before start");
}

static void read_point(xmlParserCtxtPtr ctxt, const struct attr *at, int n_at)
{
    struct pstate *s = ctxt->_private;
    struct cot_event *ev = s->ev;
    bool has_lat = false, has_lon = false;

    if (s->seen_point) {
        refuse(ctxt, "more than one <point>");
        return;
    }
    s->seen_point = true;
    for (int i = 0; i < n_at && s->why == NULL; i++) {
        const struct attr *x = &at[i];
        if (strcmp(x->name, "lat") == 0) {
            if (!(has_lat = parse_num(x->v, x->n, &ev->lat)) || ev->lat < -90 || ev->lat > 90)
                refuse(ctxt, "bad point lat");
        } else if (strcmp(x->name, "lon") == 0) {
            if (!(has_lon = parse_num(x->v, x->n, &ev->lon)) || ev->lon < -180 || ev->lon > 180)
                refuse(ctxt, "bad point lon");
        } else if (strcmp(x->name, "hae") == 0) {
            ev->hae = parse_opt_num(x->v, x->n);
        } else if (strcmp(x->name, "ce") == 0) {
            ev->ce = parse_opt_num(x->v, x->n);
        } else if (strcmp(x->name, "le") == 0) {
            ev->le = parse_opt_num(x->v, x->n);
        }
    }
    if (s->why == NULL && !has_lat)
        refuse(ctxt, "missing point lat");
    else if (s->why == NULL && !has_lon)
        refuse(ctxt, "missing point lon");
}

static const struct attr *find(const struct attr *at, int n_at, const char *name)
{
    for (int i = 0; i < n_at; i++)
        if (strcmp(at[i].name, name) == 0)
            return &at[i];
    return NULL;
}

/* A string attribute, or NULL when absent. */
static const char *str_attr(xmlParserCtxtPtr ctxt, const struct attr *at, int n_at, const char *name)
{
    const struct attr *x = find(at, n_at, name);
    return x != NULL ? keep(ctxt, x->v, x->n) : NULL;
}

static double num_attr(const struct attr *at, int n_at, const char *name)
{
    const struct attr *x = find(at, n_at, name);
    double d;
    return x != NULL && parse_num(x->v, x->n, &d) ? d : NAN;
}

/* A child of <detail>. Anything we do not know is skipped, as TAK clients do. */
static void read_detail_child(xmlParserCtxtPtr ctxt, const char *name, const struct attr *at, int n_at)
{
    struct pstate *s = ctxt->_private;
    struct cot_event *ev = s->ev;

    if (strcmp(name, "contact") == 0 && !s->has_contact) {
        s->has_contact = true;
        ev->callsign = str_attr(ctxt, at, n_at, "callsign");
        ev->endpoint = str_attr(ctxt, at, n_at, "endpoint");
        s->has_endpoint = ev->endpoint != NULL && ev->endpoint[0] != '\0';
    } else if (strcmp(name, "__group") == 0 && !s->has_group) {
        s->has_group = true;
        ev->group_name = str_attr(ctxt, at, n_at, "name");
        ev->group_role = str_attr(ctxt, at, n_at, "role");
    } else if (strcmp(name, "takv") == 0) {
        s->has_takv = true;
    } else if (strcmp(name, "track") == 0) {
        ev->speed = num_attr(at, n_at, "speed");
        ev->course = num_attr(at, n_at, "course");
        if (ev->speed < 0)
            ev->speed = NAN;
        if (!(ev->course >= 0 && ev->course <= 360))
            ev->course = NAN;
    } else if (strcmp(name, "status") == 0) {
        double b = num_attr(at, n_at, "battery");
        if (b >= 0 && b <= 100)
            ev->battery = (int)lround(b);
    } else if (strcmp(name, "__chat") == 0 && ev->chat_room == NULL && ev->chat_id == NULL) {
        ev->chat_room = str_attr(ctxt, at, n_at, "chatroom");
        ev->chat_sender = str_attr(ctxt, at, n_at, "senderCallsign");
        ev->chat_id = str_attr(ctxt, at, n_at, "id");
        ev->chat_parent = str_attr(ctxt, at, n_at, "parent");
        ev->chat_message_id = str_attr(ctxt, at, n_at, "messageId");
    } else if (strcmp(name, "link") == 0) {
        const struct attr *rel = find(at, n_at, "relation");
        if (rel != NULL && rel->n == 3 && memcmp(rel->v, "p-p", 3) == 0)
            s->has_pp_link = true;
        if (!s->seen_link) {
            s->seen_link = true;
            ev->link_uid = str_attr(ctxt, at, n_at, "uid");
            ev->link_type = str_attr(ctxt, at, n_at, "type");
            ev->link_relation = str_attr(ctxt, at, n_at, "relation");
        }
    } else if (strcmp(name, "remarks") == 0 && !s->seen_remarks) {
        s->seen_remarks = true;
        s->text = TEXT_REMARKS;
    } else if (strcmp(name, "emergency") == 0 && !s->seen_emergency) {
        s->seen_emergency = true;
        ev->emergency_type = str_attr(ctxt, at, n_at, "type");
        if (ev->emergency_type == NULL)
            s->text = TEXT_EMERGENCY; /* <emergency>type</emergency>, as some clients send */
    }
    if (s->text != TEXT_NONE) {
        s->text_depth = s->depth;
        s->txt_n = 0;
    }
}

static void start_element(xmlParserCtxtPtr ctxt, const xmlChar *name, const xmlChar *uri,
                          int nb_attrs, const xmlChar **attrs)
{
    struct pstate *s = ctxt->_private;
    struct attr at[32];
    int n_at = 0;

    if (s->why != NULL)
        return;
    if (++s->depth > COT_MAX_DEPTH) {
        refuse(ctxt, "nested too deep");
        return;
    }
    for (int i = 0; i < nb_attrs; i++) {
        const xmlChar *const *x = attrs + 5 * i;
        size_t n = (size_t)(x[4] - x[3]);
        if (n > COT_ATTR_MAX_BYTES) {
            refuse(ctxt, "attribute too long");
            return;
        }
        /* Only unprefixed attributes mean anything to CoT; at most 32 are read. */
        if (x[1] == NULL && n_at < (int)PH_NELEM(at))
            at[n_at++] = (struct attr){(const char *)x[0], (const char *)x[3], n};
    }
    /* Never processed here; but an XInclude in an event is someone probing. */
    if (uri != NULL && (strcmp((const char *)uri, "http://www.w3.org/2001/XInclude") == 0 ||
                        strcmp((const char *)uri, "http://www.w3.org/2003/XInclude") == 0)) {
        refuse(ctxt, "XInclude not allowed");
        return;
    }
    if (s->depth == 1) {
        if (!name_is(name, "event") || uri != NULL) {
            refuse(ctxt, "root element is not <event>");
            return;
        }
        s->seen_root = true;
        read_event(ctxt, at, n_at);
    } else if (uri != NULL) {
        return; /* namespaced elements are someone else's extension */
    } else if (s->depth == 2 && name_is(name, "point")) {
        read_point(ctxt, at, n_at);
    } else if (s->depth == 2 && name_is(name, "detail")) {
        s->detail_depth = 2;
    } else if (s->depth == 3 && s->detail_depth == 2) {
        read_detail_child(ctxt, (const char *)name, at, n_at);
    }
}

static void on_start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
                     int nb_ns, const xmlChar **ns, int nb_attrs, int nb_defaulted,
                     const xmlChar **attrs)
{
    start_element(ctx, name, uri, nb_attrs, attrs);
    halt_if_refused(ctx);
}

static void on_end(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct pstate *s = ctxt->_private;

    if (s->why != NULL)
        return;
    if (s->text != TEXT_NONE && s->depth == s->text_depth) {
        const char *t = keep_value(ctxt, s->txt != NULL ? s->txt : "", s->txt_n, false);
        if (s->text == TEXT_REMARKS)
            s->ev->remarks = t;
        else
            s->ev->emergency_type = t;
        s->text = TEXT_NONE;
    }
    if (s->depth == s->detail_depth)
        s->detail_depth = 0;
    s->depth--;
    halt_if_refused(ctxt);
}

static void on_text(void *ctx, const xmlChar *str, int len)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct pstate *s = ctxt->_private;

    if (s->why != NULL || s->text == TEXT_NONE || s->depth != s->text_depth || len <= 0)
        return;
    size_t n = (size_t)len;
    if (s->txt_n + n + 1 > s->txt_cap) {
        /* Text comes in pieces (around every entity reference); bounded by the
         * event's size, so doubling in the arena wastes at most as much again. */
        size_t cap = s->txt_cap ? s->txt_cap * 2 : 256;
        while (cap < s->txt_n + n + 1)
            cap *= 2;
        char *p = arena_alloc(s->a, cap);
        if (s->txt_n)
            memcpy(p, s->txt, s->txt_n);
        s->txt = p;
        s->txt_cap = cap;
    }
    memcpy(s->txt + s->txt_n, str, n);
    s->txt_n += n;
    s->txt[s->txt_n] = '\0';
}

/* ---- the parse -------------------------------------------------------------------- */

/* A static reason for a libxml2 well-formedness error. */
static const char *xml_reason(const xmlError *e)
{
    switch (e->code) {
    case XML_ERR_UNDECLARED_ENTITY:
    case XML_WAR_UNDECLARED_ENTITY:
    case XML_ERR_ENTITY_NOT_FINISHED:
        return "undeclared entity reference";
    case XML_ERR_DOCUMENT_EMPTY: /* "Start tag expected, '<' not found" */
        return "not XML (no start tag)";
    case XML_ERR_DOCUMENT_END:
        return "content after the event";
    case XML_ERR_INVALID_CHAR:
    case XML_ERR_INVALID_ENCODING:
        return "invalid character";
    case XML_ERR_TAG_NOT_FINISHED:
    case XML_ERR_LTSLASH_REQUIRED:
    case XML_ERR_GT_REQUIRED:
    case XML_ERR_EXTRA_CONTENT:
        return "truncated or unbalanced XML";
    default:
        return "not well-formed XML";
    }
}

enum cot_class cot_classify(const char *type, bool has_contact)
{
    if (type == NULL)
        return COT_OTHER;
    /* The schema lets a type carry ";anything" after it: ignored here. */
    size_t n = strcspn(type, ";");
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(type, lit, n) == 0)
#define UNDER(lit) (n >= sizeof(lit) - 1 && memcmp(type, lit, sizeof(lit) - 1) == 0 && \
                    (n == sizeof(lit) - 1 || type[sizeof(lit) - 1] == '-'))
    if (IS("t-x-c-t"))
        return COT_PING;
    if (IS("b-t-f"))
        return COT_CHAT; /* b-t-f-d, -r, -p, -s: receipts and states, not messages */
    if (UNDER("b-a-o"))
        return COT_EMERGENCY;
    if (UNDER("b-m-p") || UNDER("u-d"))
        return COT_MARKER;
    /* An atom: a device reporting itself when it carries its own contact, else a
     * thing someone placed on the map. */
    if (n >= 3 && type[0] == 'a' && type[1] == '-' && type[2] != '-')
        return has_contact ? COT_PLI : COT_MARKER;
    return COT_OTHER;
#undef IS
#undef UNDER
}

ph_err cot_parse(const char *xml, size_t len, struct arena *a, struct cot_event *out, const char **why)
{
    struct cot_event ev = {.hae = NAN, .ce = NAN, .le = NAN, .speed = NAN, .course = NAN,
                           .battery = -1, .lat = NAN, .lon = NAN};
    struct pstate s = {.a = a, .ev = &ev};
    ph_err rc = PH_EPARSE;

    cot_init();
    if (len > COT_EVENT_MAX_BYTES) {
        *why = "event too big";
        return PH_ETOOBIG;
    }
    /* Blanks and a byte order mark before the declaration: a UDP sender's habit. */
    while (len > 0 && (*xml == ' ' || *xml == '\t' || *xml == '\r' || *xml == '\n')) {
        xml++;
        len--;
    }
    if (len >= 3 && memcmp(xml, "\xef\xbb\xbf", 3) == 0) {
        xml += 3;
        len -= 3;
    }
    if (len == 0) {
        *why = "empty document";
        return PH_EPARSE;
    }
    xmlParserCtxtPtr ctxt = thread_ctxt();
    ctxt->_private = &s;
    /* No NOENT (entities stay unexpanded), no DTDLOAD, no HUGE, no XINCLUDE. */
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC |
                                          XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlFreeDoc(doc); /* never one: the handler builds none */
    if (s.why != NULL)
        *why = s.why;
    else if (!ctxt->wellFormed)
        *why = xml_reason(&ctxt->lastError);
    else if (!s.seen_root)
        *why = "no <event>";
    else if (!s.seen_point)
        *why = "missing <point>";
    else
        rc = PH_OK;
    ctxt->_private = NULL;
    if (rc != PH_OK)
        return rc;
    ev.cls = cot_classify(ev.type, s.has_contact && (s.has_endpoint || s.has_takv || s.has_group) &&
                                      !s.has_pp_link);
    *out = ev;
    return PH_OK;
}
