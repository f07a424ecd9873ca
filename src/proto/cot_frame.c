/* cot_frame.c - where one CoT event ends in a TAK "streaming" TCP stream.
 *
 * The stream is events concatenated with nothing between them but, sometimes,
 * blanks (ATAK, WinTAK, iTAK and TAK servers all do this), each event maybe with
 * its own XML declaration:
 *   <?xml version='1.0' ...?><event ...>...</event><?xml ...?>\n<event .../>
 * Nothing says how long an event is, so the framer reads just enough XML to find
 * the end of the root element: start tags (with quoted attribute values, where a
 * '>' or "</event>" means nothing), end tags, comments, CDATA sections and
 * processing instructions; element depth counts start and end tags. It does not
 * check names or well-formedness (cot_parse does), only what could make it lose
 * its place: a '<' inside a tag, or "<!" other than a comment or CDATA inside an
 * event, or anything but blanks, a comment, a declaration or "<event" between
 * events, is PH_EPARSE and the caller cuts the connection (there is no telling
 * where the next event would start). A DOCTYPE is such garbage.
 *
 * The scan is resumable: a call that finds no end keeps its state (struct
 * cot_framer) and the next call goes on from where it stopped, so an event
 * arriving a byte at a time costs linear time. Terminators split between calls
 * ("--", "]]", "?") are found by resuming a few bytes back. */
#include "util/base.h"
#include "proto/cot.h"

enum fr_state {
    FR_BETWEEN, /* outside the root element (before it, or after a declaration) */
    FR_CONTENT, /* inside the root element, in text */
    FR_TAG,     /* inside a start tag, outside quotes */
    FR_TAG_SQ,  /* inside a single-quoted attribute value */
    FR_TAG_DQ,  /* inside a double-quoted attribute value */
    FR_ENDTAG,
    FR_COMMENT,
    FR_CDATA,
    FR_PI,
};

enum step { STEP_GO, STEP_NEED, STEP_DONE, STEP_BAD };

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* data[p..lim) starts with lit? NEED when it might but the bytes are not there yet. */
static enum step starts(const char *data, size_t p, size_t lim, const char *lit, bool *yes)
{
    size_t n = strlen(lit), have = lim - p < n ? lim - p : n;
    *yes = false;
    if (memcmp(data + p, lit, have) != 0)
        return STEP_GO;
    if (have < n)
        return STEP_NEED;
    *yes = true;
    return STEP_GO;
}

/* Where the scanner goes after a comment or processing instruction. */
static int after_markup(const struct cot_framer *f)
{
    return f->depth > 0 ? FR_CONTENT : FR_BETWEEN;
}

/* Search data[*p..lim) for the terminator term: on finding it move past it;
 * otherwise leave *p where a split terminator would still be seen. */
static enum step skip_to(const char *data, size_t *p, size_t lim, const char *term)
{
    size_t n = strlen(term);
    const char *q = lim - *p >= n ? memmem(data + *p, lim - *p, term, n) : NULL;
    if (q != NULL) {
        *p = (size_t)(q - data) + n;
        return STEP_GO;
    }
    if (lim - *p >= n)
        *p = lim - (n - 1);
    return STEP_NEED;
}

static enum step between(struct cot_framer *f, const char *data, size_t *pp, size_t lim)
{
    size_t p = *pp;
    bool yes;
    enum step st;

    while (p < lim && is_blank(data[p]))
        p++;
    *pp = p;
    if (p == lim)
        return STEP_NEED;
    if (data[p] == '\xef') { /* a UTF-8 byte order mark: blank as far as we care */
        if ((st = starts(data, p, lim, "\xef\xbb\xbf", &yes)) != STEP_GO || !yes)
            return st == STEP_NEED ? STEP_NEED : STEP_BAD;
        *pp = p + 3;
        return STEP_GO;
    }
    if (data[p] != '<')
        return STEP_BAD;
    if ((st = starts(data, p, lim, "<!--", &yes)) != STEP_GO)
        return st;
    if (yes) {
        f->state = FR_COMMENT;
        *pp = p + 4;
        return STEP_GO;
    }
    if ((st = starts(data, p, lim, "<?xml", &yes)) != STEP_GO)
        return st;
    if (yes) {
        if (p + 5 == lim)
            return STEP_NEED;
        if (!is_blank(data[p + 5]) || f->in_event)
            return STEP_BAD; /* another PI, or a second declaration before the event */
        f->in_event = true;
        f->start = p;
        f->state = FR_PI;
        *pp = p + 5;
        return STEP_GO;
    }
    if ((st = starts(data, p, lim, "<event", &yes)) != STEP_GO)
        return st;
    if (!yes)
        return STEP_BAD;
    if (p + 6 == lim)
        return STEP_NEED;
    if (!is_blank(data[p + 6]) && data[p + 6] != '>' && data[p + 6] != '/')
        return STEP_BAD;
    if (!f->in_event) {
        f->in_event = true;
        f->start = p;
    }
    f->state = FR_TAG;
    *pp = p + 6;
    return STEP_GO;
}

static enum step content(struct cot_framer *f, const char *data, size_t *pp, size_t lim)
{
    const char *q = memchr(data + *pp, '<', lim - *pp);
    bool yes;
    enum step st;

    if (q == NULL) {
        *pp = lim;
        return STEP_NEED;
    }
    size_t p = (size_t)(q - data);
    *pp = p;
    if (p + 1 == lim)
        return STEP_NEED;
    switch (data[p + 1]) {
    case '/':
        f->state = FR_ENDTAG;
        *pp = p + 2;
        return STEP_GO;
    case '?':
        f->state = FR_PI;
        *pp = p + 2;
        return STEP_GO;
    case '!':
        if ((st = starts(data, p, lim, "<!--", &yes)) != STEP_GO)
            return st;
        if (yes) {
            f->state = FR_COMMENT;
            *pp = p + 4;
            return STEP_GO;
        }
        if ((st = starts(data, p, lim, "<![CDATA[", &yes)) != STEP_GO)
            return st;
        if (!yes)
            return STEP_BAD;
        f->state = FR_CDATA;
        *pp = p + 9;
        return STEP_GO;
    default:
        f->state = FR_TAG;
        *pp = p + 1;
        return STEP_GO;
    }
}

/* A start tag: quotes hide '>'; the tag ends at the first '>' outside them. */
static enum step tag(struct cot_framer *f, const char *data, size_t *pp, size_t lim)
{
    size_t p = *pp;

    for (; p < lim; p++) {
        char c = data[p];
        if (c == '<')
            return STEP_BAD; /* never allowed in a tag, quoted or not */
        if (f->state == FR_TAG_SQ || f->state == FR_TAG_DQ) {
            if (c == (f->state == FR_TAG_SQ ? '\'' : '"'))
                f->state = FR_TAG;
        } else if (c == '\'') {
            f->state = FR_TAG_SQ;
        } else if (c == '"') {
            f->state = FR_TAG_DQ;
        } else if (c == '>') {
            *pp = p + 1;
            if (data[p - 1] != '/') {
                f->depth++;
            } else if (f->depth == 0) {
                return STEP_DONE; /* <event .../> */
            }
            f->state = FR_CONTENT;
            return STEP_GO;
        }
    }
    *pp = p;
    return STEP_NEED;
}

static enum step endtag(struct cot_framer *f, const char *data, size_t *pp, size_t lim)
{
    const char *q = memchr(data + *pp, '>', lim - *pp);
    if (q == NULL) {
        *pp = lim;
        return STEP_NEED;
    }
    *pp = (size_t)(q - data) + 1;
    if (--f->depth <= 0)
        return STEP_DONE;
    f->state = FR_CONTENT;
    return STEP_GO;
}

ph_err cot_frame(struct cot_framer *f, const char *data, size_t len, size_t *start, size_t *end)
{
    size_t p = f->scanned;
    enum step st = STEP_GO;

    *start = *end = 0;
    while (st == STEP_GO) {
        /* Never look further than an event may reach: blanks before an event
         * count against the same bound. */
        size_t cap = (f->in_event ? f->start : 0) + COT_EVENT_MAX_BYTES;
        size_t lim = len < cap ? len : cap;
        if (p >= lim) {
            st = STEP_NEED;
            break;
        }
        switch (f->state) {
        case FR_BETWEEN:
            st = between(f, data, &p, lim);
            break;
        case FR_CONTENT:
            st = content(f, data, &p, lim);
            break;
        case FR_TAG:
        case FR_TAG_SQ:
        case FR_TAG_DQ:
            st = tag(f, data, &p, lim);
            break;
        case FR_ENDTAG:
            st = endtag(f, data, &p, lim);
            break;
        case FR_COMMENT:
            if ((st = skip_to(data, &p, lim, "-->")) == STEP_GO)
                f->state = after_markup(f);
            break;
        case FR_CDATA:
            if ((st = skip_to(data, &p, lim, "]]>")) == STEP_GO)
                f->state = FR_CONTENT;
            break;
        case FR_PI:
            if ((st = skip_to(data, &p, lim, "?>")) == STEP_GO)
                f->state = after_markup(f);
            break;
        default:
            st = STEP_BAD;
            break;
        }
    }
    if (st == STEP_BAD) {
        memset(f, 0, sizeof(*f));
        return PH_EPARSE;
    }
    if (st == STEP_DONE) {
        *start = f->start;
        *end = p;
        memset(f, 0, sizeof(*f));
        return PH_OK;
    }
    /* More bytes are needed: when they would lie past the bound, the event is
     * too big whatever comes. */
    size_t cap = (f->in_event ? f->start : 0) + COT_EVENT_MAX_BYTES;
    if (len >= cap) {
        memset(f, 0, sizeof(*f));
        return PH_ETOOBIG;
    }
    f->scanned = p;
    return PH_OK;
}
