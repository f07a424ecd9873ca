/* test_attachment.c - incident attachments (core/attachment.c): the type from the
 * bytes (each allowed type from real magic bytes built here; executables, HTML
 * and SVG refused whatever their name says), the size limit (set small through
 * PHOIHOP_ATTACHMENT_MAX_BYTES before the first call), file names and notes,
 * who may attach (lead, reporting unit, refused viewers and other forces'
 * people), content stored once, closed and merged incidents, the per-incident
 * cap, and the timeline, audit and outbox entries. Fixture: incident_fx.h. */
#include "util/base.h"
#include <pthread.h>
#include <sodium.h>
#include "incident_fx.h"
#include "core/attachment.h"
#include "store/sqlite_int.h"
#include "util/log.h"

#define LIMIT_BYTES (64 * 1024) /* PHOIHOP_ATTACHMENT_MAX_BYTES=64K, set in main */

/* ---- sample files ------------------------------------------------------------------ */

static const unsigned char png[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I',  'H',  'D',  'R',  0,
    0,    0,   1,   0,   0,    0,    1,    8,    6, 0, 0, 0,  0x1f, 0x15, 0xc4, 0x89,
};
static const unsigned char jpeg[] = {
    0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9,
};
static const char pdf[] =
    "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n";
static const unsigned char webp[] = {
    'R', 'I', 'F', 'F', 26, 0,    0,    0,    'W',  'E',  'B',  'P',  'V',  'P',  '8',
    ' ', 14,  0,   0,   0,  0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x01, 0x00, 0x01, 0x00,
};
static const unsigned char mp4[] = {
    0,   0,   0,   24,  'f', 't', 'y', 'p', 'm', 'p', '4', '2', 0,   0,   0,   0,
    'm', 'p', '4', '2', 'i', 's', 'o', 'm', 0,   0,   0,   8,   'f', 'r', 'e', 'e',
};
static const char text[] = "Báo cáo nhanh: phát hiện tàu cá lạ gần cửa biển Bình Đại.\n";
static const unsigned char elf[] = {
    0x7f, 'E', 'L', 'F', 2, 1,    1,    0, 0, 0, 0, 0, 0,    0, 0, 0, 2, 0, 0x3e, 0,
    1,    0,   0,   0,   0, 0x10, 0x40, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0,    0,
};
static const unsigned char exe[] = {
    'M', 'Z', 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0, 0, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0x40,
};
static const char html[] = "<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script>"
                           "</body></html>\n";
static const char svg[] = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
                          "onload=\"alert(1)\"><script>alert(2)</script></svg>\n";
static const unsigned char gif[] = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0, ';'};
static const unsigned char zip[] = {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0};
static const char script[] = "#!/bin/sh\nrm -rf /\n";

#define SAMPLE(x, len) (const void *)(x), (len)
#define BIN(x) SAMPLE(x, sizeof(x))
#define STR(x) SAMPLE(x, sizeof(x) - 1)

/* ---- sniffing ---------------------------------------------------------------------- */

static void test_attachment_sniff_allowed(void **state)
{
    static const struct {
        const void *data;
        size_t len;
        const char *want;
    } cases[] = {
        {BIN(png), "image/png"},        {BIN(jpeg), "image/jpeg"}, {STR(pdf), "application/pdf"},
        {BIN(webp), "image/webp"},      {BIN(mp4), "video/mp4"},   {STR(text), "text/plain"},
        {STR("hello\n"), "text/plain"},
    };
    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        const char *got = attachment_sniff(cases[i].data, cases[i].len);
        if (got == NULL || strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu: %s, want %s", i, got != NULL ? got : "NULL", cases[i].want);
    }
}

static void test_attachment_sniff_refused(void **state)
{
    static const struct {
        const void *data;
        size_t len;
    } cases[] = {
        {BIN(elf)}, {BIN(exe)}, {STR(html)},   {STR(svg)},
        {BIN(gif)}, {BIN(zip)}, {STR(script)}, {STR("\x00\x01\x02\x03\xfe\xff\x00\x10")},
        {"", 0},    {NULL, 0},
    };
    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        const char *got = attachment_sniff(cases[i].data, cases[i].len);
        if (got != NULL)
            fail_msg("case %zu: %s, want refused", i, got);
    }
}

/* From several threads at once (each its own magic_t): the same answers. */
static void *sniff_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < 50; i++) {
        if (attachment_sniff(png, sizeof(png)) == NULL ||
            attachment_sniff(html, sizeof(html) - 1) != NULL)
            return (void *)1;
    }
    return NULL;
}

static void test_attachment_sniff_threads(void **state)
{
    pthread_t t[4];
    (void)state;
    for (size_t i = 0; i < PH_NELEM(t); i++)
        assert_int_equal(pthread_create(&t[i], NULL, sniff_many, NULL), 0);
    for (size_t i = 0; i < PH_NELEM(t); i++) {
        void *ret = (void *)1;
        assert_int_equal(pthread_join(t[i], &ret), 0);
        assert_null(ret);
    }
}

static void test_attachment_examine(void **state)
{
    struct attachment_bytes b;
    uint8_t want[32];
    (void)state;

    attachment_bytes_examine(BIN(png), &b);
    assert_true(b.examined);
    assert_false(b.magic_failed);
    assert_string_equal(b.content_type, "image/png");
    crypto_hash_sha256(want, png, sizeof(png));
    assert_memory_equal(b.sha256, want, 32);
    /* Nothing is looked at past the limit. */
    {
        unsigned char *big = calloc(1, LIMIT_BYTES + 1);
        assert_non_null(big);
        memcpy(big, png, sizeof(png));
        attachment_bytes_examine(big, LIMIT_BYTES + 1, &b);
        assert_true(b.examined);
        assert_null(b.content_type);
        free(big);
    }
}

/* ---- adding ----------------------------------------------------------------------------- */

/* Add data as cx's user in a transaction. */
static ph_err add(struct core_ctx *cx, int64_t id, const void *data, size_t len,
                  const char *filename, const char *note, struct attachment *out,
                  const char **field)
{
    struct attachment ignored;
    *field = NULL;
    return TX(cx, attachment_add(cx, id, data, len, filename, note, out ? out : &ignored, field));
}

static int64_t blob_rows(struct ifx *f)
{
    return tu_raw_sql(f->tu.st, "SELECT count(*) FROM attachment_blobs", NULL);
}

static void test_attachment_add_get_list(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct incident inc = ifx_inc(&x1, f->cat_crime, f->c1, "Trộm cắp tại chợ");
    struct attachment at, got, *items = NULL;
    struct store_outbox_event ev;
    struct incident_event tl;
    struct audit_entry e;
    const void *data = NULL;
    const char *field = NULL;
    size_t len = 0, n = 0;
    uint8_t want[32];
    int64_t id = ifx_create(&x1, &inc);
    int64_t audits = tu_audit_count(f->tu.st);

    x1.now_ms += IFX_MIN;
    assert_int_equal(
        add(&x1, id, BIN(jpeg), " hiện trường.jpg ", " Ảnh chụp lúc 7 giờ ", &at, &field), PH_OK);
    assert_true(at.id > 0);
    assert_int_equal(at.incident_id, id);
    assert_string_equal(at.filename, "hiện trường.jpg");
    assert_string_equal(at.content_type, "image/jpeg");
    assert_int_equal(at.size, (int64_t)sizeof(jpeg));
    crypto_hash_sha256(want, jpeg, sizeof(jpeg));
    assert_memory_equal(at.sha256, want, 32);
    assert_string_equal(at.note, "Ảnh chụp lúc 7 giờ");
    assert_int_equal(at.created_by, f->x1.person_id);
    assert_int_equal(at.created_at, x1.now_ms);

    /* One timeline entry, one audit entry, one event scoped like the incident. */
    tl = ifx_last_event(f, id);
    assert_string_equal(tl.kind, "attachment");
    assert_int_equal(tl.at, x1.now_ms);
    assert_non_null(strstr(tl.detail, "\"content_type\":\"image/jpeg\""));
    assert_non_null(strstr(tl.detail, "\"filename\":\"hiện trường.jpg\""));
    e = tu_audit_one_after(f->tu.st, &f->tu.a, audits);
    assert_string_equal(e.action, "incident.attach");
    assert_string_equal(e.item_kind, "incident");
    assert_int_equal(e.item_id, id);
    assert_non_null(strstr(e.detail, "\"ref\":\""));
    assert_non_null(strstr(e.detail, "\"sha256\":\""));
    assert_non_null(strstr(e.detail, "\"note\":\"Ảnh chụp lúc 7 giờ\""));
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "incident.attachment");
    assert_string_equal(ev.item_kind, "incident");
    assert_int_equal(ev.item_id, id);
    assert_int_equal(ev.access_kind, ITEM_OPERATIONAL);
    assert_non_null(strstr(ev.payload, "\"attachment\":{"));
    assert_non_null(strstr(ev.scope_paths, ifx_get(f, id).lead_unit_path));

    /* Read back: the bytes exactly, and the list. */
    assert_int_equal(attachment_get(&x1, id, at.id, &got, &data, &len), PH_OK);
    assert_int_equal(len, sizeof(jpeg));
    assert_memory_equal(data, jpeg, len);
    assert_string_equal(got.filename, at.filename);
    assert_int_equal(add(&x1, id, STR(pdf), "biên bản.pdf", NULL, NULL, &field), PH_OK);
    assert_int_equal(attachment_list(&x1, id, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].id, at.id);
    assert_string_equal(items[1].content_type, "application/pdf");
    assert_null(items[1].note);
    /* An attachment id of another incident is not found under this one. */
    {
        struct incident other = ifx_inc(&x1, f->cat_crime, f->c1, "Vụ khác");
        int64_t oid = ifx_create(&x1, &other);
        assert_int_equal(attachment_get(&x1, oid, at.id, &got, &data, &len), PH_ENOTFOUND);
        assert_int_equal(attachment_get(&x1, id, 0, &got, &data, &len), PH_ENOTFOUND);
        assert_int_equal(attachment_get(&x1, 0, at.id, &got, &data, &len), PH_ENOTFOUND);
    }
}

/* What the bytes are decides, not the name: HTML and SVG named as images,
 * executables named as documents. Nothing is written for a refusal. */
static void test_attachment_add_refuses_types(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct incident inc = ifx_inc(&x1, f->cat_crime, f->c1, "Lừa đảo qua mạng");
    static const struct {
        const void *data;
        size_t len;
        const char *name;
    } cases[] = {
        {STR(html), "anh.jpg"},      {STR(svg), "anh.png"}, {BIN(elf), "baocao.pdf"},
        {BIN(exe), "baocao.pdf"},    {BIN(gif), "anh.gif"}, {BIN(zip), "tailieu.docx"},
        {STR(script), "ghichu.txt"},
    };
    const char *field = NULL;
    struct attachment *items = NULL;
    size_t n = 0;
    int64_t id = ifx_create(&x1, &inc), audits = tu_audit_count(f->tu.st), blobs = blob_rows(f);

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        ph_err rc = add(&x1, id, cases[i].data, cases[i].len, cases[i].name, NULL, NULL, &field);
        tu_expect_einval_(rc, field, "file", (long)i, __FILE__, __LINE__);
    }
    /* Empty. */
    assert_int_equal(add(&x1, id, "", 0, "rong.txt", NULL, NULL, &field), PH_EINVAL);
    assert_string_equal(field, "file");
    assert_int_equal(add(&x1, id, NULL, 0, "rong.txt", NULL, NULL, &field), PH_EINVAL);
    assert_int_equal(tu_audit_count(f->tu.st), audits);
    assert_int_equal(blob_rows(f), blobs);
    assert_int_equal(attachment_list(&x1, id, &items, &n), PH_OK);
    assert_int_equal(n, 0);
}

static void test_attachment_add_size_limit(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct incident inc = ifx_inc(&x1, f->cat_crime, f->c1, "Ảnh lớn");
    unsigned char *big = malloc(LIMIT_BYTES + 1);
    const char *field = NULL;
    struct attachment at;
    int64_t id = ifx_create(&x1, &inc);

    assert_int_equal(attachment_max_bytes(), LIMIT_BYTES);
    assert_non_null(big);
    /* A text file of exactly the limit is taken; one byte more is not. */
    memset(big, 'a', LIMIT_BYTES + 1);
    assert_int_equal(add(&x1, id, big, LIMIT_BYTES, "dai.txt", NULL, &at, &field), PH_OK);
    assert_int_equal(at.size, LIMIT_BYTES);
    assert_int_equal(add(&x1, id, big, LIMIT_BYTES + 1, "dai-hon.txt", NULL, NULL, &field),
                     PH_ETOOBIG);
    assert_string_equal(field, "file");
    free(big);
}

static void test_attachment_add_names_and_notes(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct incident inc = ifx_inc(&x1, f->cat_crime, f->c1, "Tên tệp");
    char long_name[ATTACHMENT_NAME_MAX_BYTES + 2], long_note[INCIDENT_NOTE_MAX_BYTES + 2];
    static const char *const bad_names[] = {
        NULL,
        "",
        "   ",
        "a/b.png",
        "..\\b.png",
        "../x.png",
        "a\tb.png",
        "a\nb.png",
        "a\x7f.png",
        "a\xc2\x85.png", /* NEL, a C1 control */
        "t\xe1\xbb\x87p\xe2\x80\xae"
        "fdp.exe",            /* tệp + RIGHT-TO-LEFT OVERRIDE */
        "a\xe2\x81\xa6x.png", /* LEFT-TO-RIGHT ISOLATE */
        "a\xe2\x80\xa8x.png", /* LINE SEPARATOR */
        ".",
        "..",
        "\xff\xfe.png",
        NULL, /* long_name below */
    };
    const char *field = NULL;
    struct attachment at;
    int64_t id = ifx_create(&x1, &inc);
    size_t n = PH_NELEM(bad_names);

    memset(long_name, 'x', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *name = i == n - 1 ? long_name : bad_names[i];
        ph_err rc = add(&x1, id, BIN(png), name, NULL, NULL, &field);
        tu_expect_einval_(rc, field, "filename", (long)i, __FILE__, __LINE__);
    }
    /* Exactly the limit is fine; NFD comes out NFC. */
    long_name[ATTACHMENT_NAME_MAX_BYTES] = '\0';
    assert_int_equal(add(&x1, id, BIN(png), long_name, NULL, &at, &field), PH_OK);
    assert_int_equal(strlen(at.filename), ATTACHMENT_NAME_MAX_BYTES);
    assert_int_equal(
        add(&x1, id, BIN(png), "a\xcc\x89nh.png" /* a + combining hook above */, NULL, &at, &field),
        PH_OK);
    assert_string_equal(at.filename, "\xe1\xba\xa3nh.png"); /* ảnh.png */
    /* Notes: at most INCIDENT_NOTE_MAX_BYTES of clean text. */
    memset(long_note, 'n', sizeof(long_note) - 1);
    long_note[sizeof(long_note) - 1] = '\0';
    assert_int_equal(add(&x1, id, BIN(png), "a.png", long_note, NULL, &field), PH_EINVAL);
    assert_string_equal(field, "note");
    assert_int_equal(add(&x1, id, BIN(png), "a.png", "bad \xc3", NULL, &field), PH_EINVAL);
    assert_string_equal(field, "note");
    assert_int_equal(add(&x1, id, BIN(png), "a.png", "   ", &at, &field), PH_OK);
    assert_null(at.note);
}

/* Who may attach: crime in C2 (border belt) filed by x2 (police commune): the
 * border guard post bp_don leads, ca_x2 reported it, qs_h is informed. */
static void test_attachment_access(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x2 = tu_as(&f->tu, &f->x2);
    struct core_ctx bp_don = tu_as(&f->tu, &f->bp_don_duty);
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct core_ctx qs = tu_as(&f->tu, &f->qs_duty);
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx x1_viewer = tu_as(&f->tu, &f->x1_viewer);
    struct core_user x2_viewer = tu_user_at(&f->tu.sys, f->ca_x2, ROLE_VIEWER, CLEARANCE_SECRET);
    struct core_user x2_reporter =
        tu_user_at(&f->tu.sys, f->ca_x2, ROLE_REPORTER, CLEARANCE_SECRET);
    struct core_ctx x2v = tu_as(&f->tu, &x2_viewer), x2r = tu_as(&f->tu, &x2_reporter);
    struct incident inc = ifx_inc(&x2, f->cat_crime, f->c2, "Vượt biên trái phép");
    struct attachment *items = NULL, got;
    const void *data = NULL;
    const char *field = NULL;
    size_t n = 0, len = 0;
    int64_t id = ifx_create(&x2, &inc);
    struct attachment at;

    assert_int_equal(inc.lead_unit_id, f->bp_don);
    /* The lead's duty officer (update right), the reporting unit's people, and the
     * police district above the reporting unit. */
    assert_int_equal(add(&bp_don, id, BIN(png), "don.png", NULL, &at, &field), PH_OK);
    assert_int_equal(add(&x2, id, BIN(jpeg), "xa.jpg", NULL, NULL, &field), PH_OK);
    assert_int_equal(add(&x2r, id, STR(text), "ghi.txt", NULL, NULL, &field), PH_OK);
    assert_int_equal(add(&h, id, STR(pdf), "huyen.pdf", NULL, NULL, &field), PH_OK);
    /* Viewers see but never attach. */
    assert_int_equal(attachment_list(&x2v, id, &items, &n), PH_OK);
    assert_int_equal(n, 4);
    assert_int_equal(add(&x2v, id, BIN(png), "v.png", NULL, NULL, &field), PH_EPERM);
    /* An informed unit of another force sees, and may not attach. */
    assert_int_equal(attachment_get(&qs, id, at.id, &got, &data, &len), PH_OK);
    assert_int_equal(add(&qs, id, BIN(png), "qs.png", NULL, NULL, &field), PH_EPERM);
    /* A unit the incident was never sent to: not found, whatever the call. */
    assert_int_equal(add(&x1, id, BIN(png), "x1.png", NULL, NULL, &field), PH_ENOTFOUND);
    assert_int_equal(attachment_list(&x1, id, &items, &n), PH_ENOTFOUND);
    assert_int_equal(attachment_get(&x1, id, at.id, &got, &data, &len), PH_ENOTFOUND);
    assert_int_equal(TX(&x1, attachment_check(&x1, id, &field)), PH_ENOTFOUND);
    assert_int_equal(TX(&x2v, attachment_check(&x2v, id, &field)), PH_EPERM);
    assert_int_equal(TX(&x2, attachment_check(&x2, id, &field)), PH_OK);
    assert_int_equal(attachment_list(&x1_viewer, id, &items, &n), PH_ENOTFOUND);

    /* Another force's person below a unit it was sent to does not see it either:
     * crime in C1 informs the border guard province unit, not its post. */
    {
        struct incident c1 = ifx_inc(&x1, f->cat_crime, f->c1, "Trộm xe máy");
        struct core_ctx bp = tu_as(&f->tu, &f->bp_duty);
        int64_t c1_id = ifx_create(&x1, &c1);
        assert_int_equal(add(&x1, c1_id, BIN(png), "a.png", NULL, &at, &field), PH_OK);
        assert_int_equal(attachment_list(&bp, c1_id, &items, &n), PH_OK);
        assert_int_equal(attachment_get(&bp_don, c1_id, at.id, &got, &data, &len), PH_ENOTFOUND);
        assert_int_equal(attachment_list(&bp_don, c1_id, &items, &n), PH_ENOTFOUND);
        assert_int_equal(add(&bp_don, c1_id, BIN(png), "b.png", NULL, NULL, &field), PH_ENOTFOUND);
        /* The viewer of the lead unit sees and may not attach. */
        assert_int_equal(attachment_list(&x1_viewer, c1_id, &items, &n), PH_OK);
        assert_int_equal(add(&x1_viewer, c1_id, BIN(png), "v.png", NULL, NULL, &field), PH_EPERM);
    }
    /* Clearance: a secret incident is not found by a confidential duty officer. */
    {
        struct incident s = ifx_inc(&h, f->cat_crime, f->c1, "Vụ mật");
        int64_t sid;
        s.classification = CLEARANCE_SECRET;
        s.reporting_unit_id = f->ca_x1;
        sid = ifx_create(&h, &s);
        assert_int_equal(add(&x1, sid, BIN(png), "a.png", NULL, NULL, &field), PH_ENOTFOUND);
        assert_int_equal(add(&h, sid, BIN(png), "a.png", NULL, NULL, &field), PH_OK);
    }
}

static void test_attachment_stored_once(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct incident i1 = ifx_inc(&x1, f->cat_crime, f->c1, "Vụ một");
    struct incident i2 = ifx_inc(&x1, f->cat_crime, f->c1, "Vụ hai");
    struct attachment a1, a2;
    const char *field = NULL;
    int64_t id1 = ifx_create(&x1, &i1), id2 = ifx_create(&x1, &i2);
    int64_t blobs = blob_rows(f);

    assert_int_equal(add(&x1, id1, BIN(webp), "a.webp", NULL, &a1, &field), PH_OK);
    assert_int_equal(add(&x1, id1, BIN(webp), "a-lan-nua.webp", NULL, NULL, &field), PH_OK);
    assert_int_equal(add(&x1, id2, BIN(webp), "b.webp", NULL, &a2, &field), PH_OK);
    assert_int_equal(blob_rows(f), blobs + 1);
    assert_memory_equal(a1.sha256, a2.sha256, 32);
    assert_int_not_equal(a1.id, a2.id);
    assert_int_equal(add(&x1, id2, BIN(mp4), "c.mp4", NULL, NULL, &field), PH_OK);
    assert_int_equal(blob_rows(f), blobs + 2);
}

static void test_attachment_closed_merged_and_cap(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx h_cmd = tu_as(&f->tu, &f->h_cmd);
    struct incident a = ifx_inc(&x1, f->cat_crime, f->c1, "Sẽ đóng");
    struct incident b = ifx_inc(&x1, f->cat_crime, f->c1, "Trùng lặp");
    struct incident c = ifx_inc(&x1, f->cat_crime, f->c1, "Nhiều tệp");
    const char *field = NULL;
    int64_t ida = ifx_create(&x1, &a), idb = ifx_create(&x1, &b), idc = ifx_create(&x1, &c);
    char name[32];

    assert_int_equal(TX(&x1, incident_set_status(&x1, ida, 0, "resolved", NULL, &field)), PH_OK);
    assert_int_equal(add(&x1, ida, BIN(png), "truoc.png", NULL, NULL, &field), PH_OK);
    assert_int_equal(TX(&h_cmd, incident_set_status(&h_cmd, ida, 0, "closed", NULL, &field)),
                     PH_OK);
    assert_int_equal(add(&x1, ida, BIN(png), "sau.png", NULL, NULL, &field), PH_ECONFLICT);
    assert_string_equal(field, "status");
    assert_int_equal(add(&h_cmd, ida, BIN(png), "sau.png", NULL, NULL, &field), PH_ECONFLICT);

    assert_int_equal(TX(&x1, incident_merge(&x1, idb, 0, idc, NULL, &field)), PH_OK);
    assert_int_equal(add(&x1, idb, BIN(png), "gop.png", NULL, NULL, &field), PH_ECONFLICT);
    assert_string_equal(field, "status");

    for (int i = 0; i < ATTACHMENT_MAX_PER_INCIDENT; i++) {
        snprintf(name, sizeof(name), "tep-%02d.txt", i);
        assert_int_equal(add(&x1, idc, name, strlen(name), name, NULL, NULL, &field), PH_OK);
    }
    assert_int_equal(add(&x1, idc, BIN(png), "qua-nhieu.png", NULL, NULL, &field), PH_ECONFLICT);
    assert_string_equal(field, "file");
}

/* attachment_add_bytes takes bytes examined elsewhere, and examines them itself
 * when they were not. */
static void test_attachment_add_bytes(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct incident inc = ifx_inc(&x1, f->cat_crime, f->c1, "Tệp đã xét");
    struct attachment_bytes b, raw = {.data = html, .len = sizeof(html) - 1};
    struct attachment at;
    const char *field = NULL;
    int64_t id = ifx_create(&x1, &inc);

    attachment_bytes_examine(BIN(mp4), &b);
    assert_int_equal(TX(&x1, attachment_add_bytes(&x1, id, &b, "phim.mp4", NULL, &at, &field)),
                     PH_OK);
    assert_string_equal(at.content_type, "video/mp4");
    field = NULL;
    assert_int_equal(TX(&x1, attachment_add_bytes(&x1, id, &raw, "trang.png", NULL, &at, &field)),
                     PH_EINVAL);
    assert_string_equal(field, "file");
}

int main(void)
{
    /* Before the first attachment_max_bytes(), which reads it once. */
    setenv("PHOIHOP_ATTACHMENT_MAX_BYTES", "64K", 1);
    log_set_level(LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attachment_sniff_allowed),
        cmocka_unit_test(test_attachment_sniff_refused),
        cmocka_unit_test(test_attachment_sniff_threads),
        cmocka_unit_test(test_attachment_examine),
        IFX_TEST(test_attachment_add_get_list),
        IFX_TEST(test_attachment_add_refuses_types),
        IFX_TEST(test_attachment_add_size_limit),
        IFX_TEST(test_attachment_add_names_and_notes),
        IFX_TEST(test_attachment_access),
        IFX_TEST(test_attachment_stored_once),
        IFX_TEST(test_attachment_closed_merged_and_cap),
        IFX_TEST(test_attachment_add_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
