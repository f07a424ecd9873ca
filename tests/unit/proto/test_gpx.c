/* test_gpx.c - the import parsers (proto/gpx.c, proto/poscsv.c): GPX 1.1 and 1.0
 * track points with time and elevation, bad points reported with the member at
 * fault, hostile XML refused (a DOCTYPE with entities, an external entity, not
 * XML, another root); CSV with its header in any order, quoted fields, empty
 * optional cells, times as RFC 3339 or ms, bad rows reported and bad files
 * refused naming the column. */
#include "util/base.h"
#include <math.h>
#include "testutil.h"
#include "proto/gpx.h"
#include "proto/poscsv.h"
#include "util/arena.h"

static const char gpx11[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<gpx version=\"1.1\" creator=\"test\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n"
    " <wpt lat=\"1\" lon=\"2\"><name>ignored</name></wpt>\n"
    " <trk><name>Tuần tra sông Hậu</name><trkseg>\n"
    "  <trkpt lat=\"10.245\" lon=\"106.375\"><ele>3.5</ele><time>2026-03-02T01:30:00Z</time></trkpt>\n"
    "  <trkpt lat=\"10.2451\" lon=\"106.3752\"><time>2026-03-02T01:30:10.500Z</time></trkpt>\n"
    "  <trkpt lat=\"95\" lon=\"106.3\"><time>2026-03-02T01:30:20Z</time></trkpt>\n"
    "  <trkpt lat=\"10.2\" lon=\"106.3\"></trkpt>\n"
    "  <trkpt lat=\"10.2\" lon=\"east\"><time>2026-03-02T01:30:30Z</time></trkpt>\n"
    " </trkseg></trk>\n"
    "</gpx>\n";

static void test_gpx_points(void **state)
{
    struct arena *a = *state;
    struct gpx_result g;
    const char *why = NULL;

    assert_int_equal(gpx_parse(gpx11, strlen(gpx11), a, &g, &why), PH_OK);
    assert_int_equal(g.n, 5);
    assert_string_equal(g.name, "Tuần tra sông Hậu");
    assert_null(g.points[0].error);
    assert_true(g.points[0].lat == 10.245 && g.points[0].lon == 106.375);
    assert_true(g.points[0].ele == 3.5);
    assert_int_equal(g.points[0].at, 1772415000000LL);
    assert_null(g.points[1].error);
    assert_true(isnan(g.points[1].ele));
    assert_int_equal(g.points[1].at, 1772415010500LL);
    assert_string_equal(g.points[2].error, "lat");
    assert_string_equal(g.points[3].error, "time");
    assert_string_equal(g.points[4].error, "lon");

    static const char gpx10[] = "<gpx version=\"1.0\" xmlns=\"http://www.topografix.com/GPX/1/0\">"
                                "<trk><trkseg><trkpt lat=\"-1.5\" lon=\"2.5\">"
                                "<time>2026-03-02T08:30:00+07:00</time></trkpt></trkseg></trk></gpx>";
    assert_int_equal(gpx_parse(gpx10, strlen(gpx10), a, &g, &why), PH_OK);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.points[0].at, 1772415000000LL);
    assert_null(g.name);
}

static void test_gpx_hostile(void **state)
{
    struct arena *a = *state;
    struct gpx_result g;
    const char *why = NULL;
    static const struct {
        const char *doc;
        const char *why;
    } cases[] = {
        {"<?xml version=\"1.0\"?><!DOCTYPE gpx [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
         "\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
         "<gpx><trk><name>&c;</name></trk></gpx>",
         NULL}, /* libxml2 may stop it while parsing, or we after */
        {"<?xml version=\"1.0\"?><!DOCTYPE gpx [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
         "<gpx><trk><name>&x;</name></trk></gpx>",
         NULL},
        {"<?xml version=\"1.0\"?><!DOCTYPE gpx SYSTEM \"http://127.0.0.1:1/gpx.dtd\"><gpx/>",
         "doctype"},
        {"not xml at all", "xml"},
        {"<gpx><trk>", "xml"},
        {"<kml><Document/></kml>", "gpx"},
        {"", "xml"},
    };
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        ph_err rc = gpx_parse(cases[i].doc, strlen(cases[i].doc), a, &g, &why);
        const char *want = cases[i].why;
        if (rc != PH_EPARSE || why == NULL ||
            (want != NULL ? strcmp(why, want) != 0
                          : strcmp(why, "doctype") != 0 && strcmp(why, "xml") != 0))
            fail_msg("case %zu: %d %s, want %s", i, rc, why != NULL ? why : "",
                     want != NULL ? want : "doctype or xml");
    }
    assert_int_equal(gpx_parse("<gpx/>", GPX_MAX_BYTES + 1, a, &g, &why), PH_ETOOBIG);
}

static void test_poscsv_rows(void **state)
{
    struct arena *a = *state;
    struct poscsv_row *rows = NULL;
    size_t n = 0;
    const char *why = NULL;
    static const char csv[] =
        "\xEF\xBB\xBFlat,lon,uid,time,speed,battery\r\n"
        "10.245,106.375,\"ANDROID-1\",2026-03-02T01:30:00Z,4.5,81\r\n"
        "10.2451,106.3752,ANDROID-1,1772415010000,,\r\n"
        "\r\n"
        "abc,106.3,ANDROID-1,1772415020000,,\n"
        "10.2,106.3,\"A \"\"quoted\"\" uid\",1772415030000,1,\n"
        "10.2,106.3,ANDROID-1\n"
        "10.2,106.3,ANDROID-1,1772415040000,,,extra\n"
        "10.2,106.3,ANDROID-1,1772415050000,,500x\n";

    assert_int_equal(poscsv_parse(csv, strlen(csv), a, &rows, &n, &why), PH_OK);
    assert_int_equal(n, 7);
    assert_null(rows[0].error);
    assert_string_equal(rows[0].r.uid, "ANDROID-1");
    assert_int_equal(rows[0].r.at, 1772415000000LL);
    assert_true(rows[0].r.speed == 4.5);
    assert_int_equal(rows[0].r.battery, 81);
    assert_true(isnan(rows[0].r.course));
    assert_string_equal(rows[0].r.source, POSITION_SOURCE_IMPORT);
    assert_int_equal(rows[0].line, 2);
    assert_null(rows[1].error);
    assert_int_equal(rows[1].r.at, 1772415010000LL);
    assert_true(isnan(rows[1].r.speed));
    assert_int_equal(rows[1].r.battery, -1);
    assert_string_equal(rows[2].error, "lat");
    assert_int_equal(rows[2].line, 5);
    assert_null(rows[3].error);
    assert_string_equal(rows[3].r.uid, "A \"quoted\" uid");
    assert_string_equal(rows[4].error, "time"); /* a short row */
    assert_string_equal(rows[5].error, "columns");
    assert_string_equal(rows[6].error, "battery");

    static const struct {
        const char *csv, *why;
    } bad[] = {
        {"", "header"},
        {"uid,time,lat\n", "lon"},
        {"uid,time,lat,lon,heading\n", "header"},
        {"uid,time,lat,lon,lat\n", "lat"},
        {"uid,time,lat,lon\n\"unclosed,1,2,3\n", "quote"},
    };
    for (size_t i = 0; i < PH_NELEM(bad); i++) {
        ph_err rc = poscsv_parse(bad[i].csv, strlen(bad[i].csv), a, &rows, &n, &why);
        if (rc != PH_EPARSE || why == NULL || strcmp(why, bad[i].why) != 0)
            fail_msg("case %zu: %d %s, want %s", i, rc, why != NULL ? why : "", bad[i].why);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TU_ARENA_TEST(test_gpx_points),
        TU_ARENA_TEST(test_gpx_hostile),
        TU_ARENA_TEST(test_poscsv_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
