/* search_bench.c - the search benchmark of issue 3: "median under 10 ms and p99
 * under 50 ms for a two-word Vietnamese query over 1,000,000 incidents".
 *
 * A database of COUNT incidents is made through the store API (the areas, units
 * and categories through the core services, as the system user; then
 * store_incident_insert and store_incident_recipient_put, 10,000 incidents per
 * transaction) with realistic Vietnamese titles and descriptions built from a
 * vocabulary of places, people, vessels and incident phrases of each category,
 * with their diacritics, so that each query word hits the share of incidents it
 * would in a province's records. Deterministic (fixed seed). Making a million takes
 * minutes, so the file is kept in CACHE_DIR under a name that holds the schema
 * version, a hash of the embedded migrations, the generator's version and COUNT,
 * and later runs reuse it (a cache file is complete: it is written under another
 * name and renamed at the end).
 *
 * Then each query, typed without diacritics as people do ("tau ca" for "tàu cá",
 * "dang thach" for "Đặng Thạch"), is timed through the core service the API calls
 * (incident_list, first page of 50) as a global administrator and as a district
 * police duty officer (unit scope, clearance confidential), and, as the reference
 * measured in the same run on the same connection, as a raw FTS5 query on the
 * same index: SELECT rowid FROM incidents_fts WHERE incidents_fts MATCH 'w1 w2'
 * ORDER BY rowid DESC LIMIT 51 (the words alone: what the text index costs at
 * least). FTS5's own prefix form of the same query ('w1 w2*', the meaning the API
 * gives the last word) is shown too. The runs of all four interleave, so that a
 * change in the machine's load touches them alike.
 *
 * Usage: search_bench [-n COUNT] [-r RUNS] [-t SECONDS] [-d CACHE_DIR] [-D DSN]
 *   COUNT incidents (default 1000000), RUNS timed runs of each query per caller
 *   and form (default 100), at most SECONDS per query (default 15), CACHE_DIR
 *   (default build/bench-cache). -D times the store DSN instead of the cache
 *   file (bench/stores.sh: postgres://...): the same incidents are generated
 *   into it when it holds none, and reused when it holds exactly those; the raw
 *   FTS5 reference is timed only when DSN is a SQLite store.
 * Output (stdout): a line per query, then
 *   "bench search: N incidents, phoihop median X ms p99 Y ms max Z ms (goal <10/<50),
 *    raw FTS5 median A ms p99 B ms, ratio R (medians) ..."
 * Progress of the generation goes to stderr. Exit 1 when the benchmark could not
 * run (a store or core call failed, a query found nothing it should find). */
#include "util/base.h"
#include <dirent.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "core/access.h"
#include "core/area.h"
#include "core/category.h"
#include "core/ctx.h"
#include "core/incident.h"
#include "core/unit.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/embed.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/time.h"

/* Bump when the generated data changes, so that old cache files are not reused. */
#define GEN_VERSION 1
#define GEN_SEED 0x5eed0b1e9c3ull
#define GEN_TX_INCIDENTS 10000
/* The generated incidents span this many days before GEN_END_MS. */
#define GEN_DAYS 1095
#define GEN_END_MS 1764460800000LL /* 2025-11-30T00:00:00Z: fixed, so files compare */
#define GEN_FIRST_YEAR 2022        /* reference numbers restart each year */
#define GEN_YEARS 5
#define DEFAULT_COUNT 1000000
#define PAGE 50

/* ---- random numbers ---------------------------------------------------------------- */

static uint64_t rng_state = GEN_SEED;

/* xorshift64*: fast, and enough for picking words. */
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned rnd_below(unsigned n)
{
    return (unsigned)((rnd() >> 33) % n);
}

static double rnd_unit(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

#define PICK(arr) (arr)[rnd_below((unsigned)PH_NELEM(arr))]

/* ---- the vocabulary ------------------------------------------------------------------ */

/* The districts of the province (areas and units are made per district). kind:
 * where the Border Guard has a post. weight: share of incidents, in percent. */
static const struct district {
    const char *code, *name, *kind;
    double lat, lon;
    int weight;
    const char *bg_post; /* the Border Guard post of a coastal district, or NULL */
} districts[] = {
    {"829", "Thành phố Bến Tre", "inland", 10.2420, 106.3750, 18, NULL},
    {"831", "Huyện Châu Thành", "inland", 10.2900, 106.3300, 12, NULL},
    {"832", "Huyện Chợ Lách", "inland", 10.2500, 106.1500, 8, NULL},
    {"833", "Huyện Mỏ Cày Nam", "inland", 10.0700, 106.3400, 10, NULL},
    {"834", "Huyện Giồng Trôm", "inland", 10.1500, 106.4700, 10, NULL},
    {"835", "Huyện Bình Đại", "coastal", 10.1900, 106.7000, 13, "Đồn Biên phòng Thừa Đức"},
    {"836", "Huyện Ba Tri", "coastal", 10.0400, 106.5900, 13, "Đồn Biên phòng An Thủy"},
    {"837", "Huyện Thạnh Phú", "coastal", 9.9500, 106.5500, 12, "Đồn Biên phòng Thạnh Phong"},
    {"838", "Huyện Mỏ Cày Bắc", "inland", 10.1500, 106.3000, 4, NULL},
};
#define N_DISTRICTS PH_NELEM(districts)

/* Communes and wards named in the text (not areas of their own). */
static const char *const communes[] = {
    "xã Bình Thắng",      "xã Thừa Đức",       "xã Thới Thuận",     "xã Bình Thới",
    "xã Đại Hòa Lộc",     "xã An Thủy",        "xã Bảo Thạnh",      "xã Bảo Thuận",
    "xã Tân Thủy",        "xã An Hiệp",        "xã Thạnh Phong",    "xã Thạnh Hải",
    "xã Giao Thạnh",      "xã An Điền",        "xã An Nhơn",        "xã Phú Túc",
    "xã Tiên Thủy",       "xã Tân Thành Bình", "xã Sơn Định",       "xã Vĩnh Thành",
    "xã Hương Mỹ",        "xã Phước Mỹ Trung", "xã Thành Thới B",   "xã Lương Hòa",
    "xã Phong Nẫm",       "phường 7",          "phường Phú Khương", "phường An Hội",
    "xã Mỹ Thạnh An",     "xã Sơn Đông",       "thị trấn Bình Đại", "thị trấn Ba Tri",
    "thị trấn Thạnh Phú", "thị trấn Chợ Lách", "xã Long Thới",      "xã Hòa Nghĩa",
    "xã Phú Thuận",       "xã Lộc Thuận",      "xã Định Trung",
};

static const char *const hamlets[] = {
    "ấp Thạnh Hòa",  "ấp Giồng Giá", "ấp Cồn Hố",    "ấp An Thạnh",   "ấp Phú Lợi", "ấp Bình Lợi",
    "ấp Thới Hòa",   "ấp Tân Điền",  "ấp Khâu Băng", "ấp Giồng Chùa", "ấp Vàm Hồ",  "ấp 3",
    "ấp Thạnh Thới", "ấp Cây Da",    "ấp Lộc Hiệp",  "ấp Phước Xuân", "ấp Bến Súc", "ấp Kinh Điều",
};

static const char *const rivers[] = {"Hàm Luông", "Cổ Chiên", "Ba Lai",   "Tiền",
                                     "Mỏ Cày",    "Bến Tre",  "Giao Hòa", "Khâu Băng"};
static const char *const estuaries[] = {"Đại", "Hàm Luông", "Cổ Chiên", "Ba Lai"};

/* Names: family names weighted roughly as in the south; "Thạch" is a rare given
 * name, so that "dang thach" (Đặng Thạch, but also every "đang") is a rare pair. */
static const char *const family_names[] = {
    "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Trần",
    "Lê",     "Lê",     "Phạm",   "Phạm",   "Huỳnh",  "Huỳnh",  "Võ",     "Võ",   "Phan", "Trương",
    "Bùi",    "Đặng",   "Đỗ",     "Ngô",    "Hồ",     "Dương",  "Lý",     "Châu", "Lâm",  "Mai",
};
static const char *const middle_names[] = {"Văn",   "Văn",  "Văn", "Thị",  "Thị",  "Minh", "Hoàng",
                                           "Thanh", "Ngọc", "Hữu", "Quốc", "Công", "Kim"};
static const char *const given_names[] = {
    "An",    "Bình",  "Cường", "Dũng", "Hải",  "Hùng", "Khoa", "Long",  "Nam",   "Phúc",
    "Quang", "Sơn",   "Tâm",   "Tuấn", "Vinh", "Hoa",  "Lan",  "Mai",   "Nhung", "Thảo",
    "Trang", "Yến",   "Tài",   "Lộc",  "Phát", "Đạt",  "Hiếu", "Nghĩa", "Trí",   "Hậu",
    "Tú",    "Thắng", "Toàn",  "Hòa",  "Kiệt", "Luân", "Nhân", "Phong", "Thuận", "Em",
};
#define RARE_GIVEN_NAME "Thạch" /* 1 person in 80 */

static const char *const reporters[] = {
    "người dân",  "tổ tuần tra", "lực lượng dân quân", "ngư dân",    "tổ công tác",
    "Công an xã", "trưởng ấp",   "camera giám sát",    "tổ tự quản", "cán bộ trực ban",
};

/* One category of incidents: its share, which force leads, its titles, and the
 * sentence that gives its details. Slots: {P} commune, {H} hamlet, {D} district,
 * {R} river, {E} estuary, {V} vessel number, {W} a person's full name, {N} a small
 * number, {Y} a birth year, {B} the district's Border Guard post (or the
 * province's Border Guard). */
struct category_text {
    const char *code;
    int weight; /* per 10,000 */
    const char *force;
    const char *titles[6];
    const char *details[4];
};

static const struct category_text texts[] = {
    {"illegal_fishing",
     1100,
     "border_guard",
     {"Tàu cá {V} khai thác thủy sản trái phép trong vùng cấm",
      "Phát hiện tàu cá sử dụng lưới kéo đôi vi phạm vùng biển {P}",
      "Tàu cá {V} mất kết nối thiết bị giám sát hành trình quá 6 giờ",
      "Tàu cá {V} vượt ranh giới vùng biển được phép khai thác", NULL},
     {"Thuyền trưởng {W} không xuất trình được giấy phép khai thác; tàu có {N} thuyền viên.",
      "Trên tàu có {N} thuyền viên, ngư cụ là lưới kéo đôi, sản phẩm khoảng {N} tạ cá tạp.",
      "{B} đã yêu cầu tàu cá về bến để xử lý theo quy định về chống khai thác IUU.", NULL}},
    {"smuggling",
     800,
     "border_guard",
     {"Bắt giữ {N} tấn đường cát nhập lậu tại {P}",
      "Phát hiện phương tiện vận chuyển thuốc lá điếu nhập lậu qua cửa sông {R}",
      "Tàu vận chuyển {N} nghìn lít dầu DO không rõ nguồn gốc",
      "Tạm giữ lô hàng điện tử không có hóa đơn chứng từ tại {P}", NULL},
     {"Chủ hàng là {W}, sinh năm {Y}, không xuất trình được hóa đơn, chứng từ hợp lệ.",
      "Hàng hóa được tập kết tại bến đò {H} chờ đưa đi tiêu thụ.",
      "{B} phối hợp Đội Quản lý thị trường kiểm tra, lập biên bản tạm giữ.", NULL}},
    {"drugs",
     1000,
     "police",
     {"Bắt quả tang đối tượng mua bán trái phép chất ma túy tại {P}",
      "Phát hiện nhóm thanh niên sử dụng trái phép chất ma túy tại {H}",
      "Triệt phá điểm tổ chức sử dụng trái phép chất ma túy ở {P}",
      "Thu giữ {N} gói ma túy tổng hợp trên xe máy tại {P}", NULL},
     {"Đối tượng {W}, sinh năm {Y}, trú tại {H}, {P}, đã bị tạm giữ cùng tang vật.",
      "Test nhanh {N} người cho kết quả dương tính với chất ma túy.",
      "Thu giữ {N} điện thoại di động, cân tiểu ly và số tiền {N} triệu đồng.", NULL}},
    {"crime",
     1400,
     "police",
     {"Trộm cắp tài sản tại nhà dân ở {H}, {P}", "Cướp giật điện thoại trên đường Đồng Khởi",
      "Cố ý gây thương tích tại quán nhậu ở {P}", "Lừa đảo chiếm đoạt tài sản qua mạng tại {P}",
      "Trộm xe máy tại chợ {P}", NULL},
     {"Bị hại là {W}, sinh năm {Y}, trú tại {H}; thiệt hại ước tính {N} triệu đồng.",
      "Nghi phạm {W}, sinh năm {Y}, đã bỏ trốn khỏi địa phương.",
      "Hiện trường đã được bảo vệ, camera khu vực ghi nhận {N} đối tượng đi xe máy.", NULL}},
    {"public_order",
     1200,
     "police",
     {"Tụ tập gây rối trật tự công cộng tại chợ {P}", "Đánh nhau gây mất trật tự tại {H}",
      "Nhóm thanh niên đua xe trái phép trên quốc lộ 60", "Đánh bạc ăn tiền tại {H}, {P}", NULL},
     {"Khoảng {N} thanh niên tụ tập, có dấu hiệu gây rối; tổ công tác đang theo dõi.",
      "Người cầm đầu là {W}, sinh năm {Y}, trú tại {H}.",
      "Thu giữ {N} xe máy và {N} hung khí các loại.", NULL}},
    {"mass_gathering",
     300,
     "police",
     {"Khiếu kiện đông người tại trụ sở Ủy ban nhân dân {P}",
      "Tụ tập đông người phản đối dự án tại {P}", NULL},
     {"Khoảng {N} hộ dân tập trung yêu cầu giải quyết bồi thường đất đai.",
      "Đại diện các hộ dân là {W} đã được mời làm việc.", NULL}},
    {"political_security",
     100,
     "police",
     {"Phát tán tài liệu có nội dung xấu tại {P}", "Hoạt động tôn giáo trái phép tại {H}", NULL},
     {"Đối tượng {W}, sinh năm {Y}, đang bị theo dõi, xác minh.", NULL}},
    {"natural_disaster",
     900,
     "military",
     {"Sạt lở bờ sông {R} tại {P}, {N} căn nhà bị ảnh hưởng", "Xâm nhập mặn vượt ngưỡng tại {P}",
      "Lốc xoáy làm tốc mái {N} căn nhà tại {H}", "Triều cường gây ngập sâu tại {P}", NULL},
     {"Chiều dài đoạn sạt lở khoảng {N} mét, đe dọa nhà dân và tuyến đường giao thông nông thôn.",
      "Độ mặn đo được {N} phần nghìn, ảnh hưởng {N} héc ta vườn dừa và cây ăn trái.",
      "Ban Chỉ huy Quân sự huyện huy động {N} dân quân giúp dân chằng chống nhà cửa.", NULL}},
    {"search_rescue",
     500,
     "military",
     {"Tàu cá {V} bị chìm, {N} ngư dân mất tích", "Người đuối nước trên sông {R} đoạn qua {P}",
      "Tàu cá {V} bị hỏng máy trôi dạt trên biển", NULL},
     {"Người mất tích là {W}, sinh năm {Y}, trú tại {H}, {P}.",
      "Lực lượng tìm kiếm cứu nạn cùng {N} tàu cá của ngư dân đang tìm kiếm.",
      "Sóng to, gió cấp {N}, việc tiếp cận hiện trường gặp khó khăn.", NULL}},
    {"illegal_border_crossing",
     200,
     "border_guard",
     {"Phát hiện {N} người xuất cảnh trái phép bằng tàu cá tại {P}",
      "Người nước ngoài cư trú không khai báo tạm trú tại {P}", NULL},
     {"Người tổ chức là {W}, sinh năm {Y}, thu mỗi người {N} triệu đồng.",
      "{B} đã đưa các đối tượng về đồn để làm rõ.", NULL}},
    {"fire_explosion",
     400,
     "police",
     {"Cháy nhà dân tại {H}, {P}", "Cháy kho chứa hàng tại khu công nghiệp Giao Long",
      "Cháy tàu cá {V} khi đang neo đậu tại bến", "Nổ bình gas tại quán ăn ở {P}", NULL},
     {"Đám cháy được dập tắt sau {N} phút, không có thiệt hại về người.",
      "Chủ nhà là {W}, thiệt hại ước tính {N} triệu đồng.", NULL}},
    {"accident",
     800,
     "police",
     {"Tai nạn giao thông trên quốc lộ 57 đoạn qua {P}", "Va chạm giữa xe máy và xe tải tại {P}",
      "Sà lan va chạm trụ cầu Rạch Miễu", "Lật xe khách trên quốc lộ 60 tại {P}", NULL},
     {"Vụ tai nạn làm {N} người bị thương, được đưa đi cấp cứu.",
      "Người điều khiển phương tiện là {W}, sinh năm {Y}.", NULL}},
    {"maritime",
     400,
     "border_guard",
     {"Tàu hàng mắc cạn tại cửa {E}", "Sự cố tràn dầu trên biển ngoài khơi {D}",
      "Tàu cá {V} va chạm tàu hàng trên biển", NULL},
     {"Khu vực rừng đước ven biển có nguy cơ bị ảnh hưởng bởi dầu tràn.",
      "{B} đã điều tàu tuần tra ra hiện trường.", NULL}},
    {"other",
     895,
     "police",
     {"Phát hiện vật thể lạ trôi dạt vào bờ biển {P}", "Mất điện diện rộng tại {P}",
      "Phát hiện thi thể không rõ danh tính trên sông {R}", NULL},
     {"Người phát hiện là {W}, trú tại {H}.", "Khu vực bãi bồi, rừng đước ven biển.", NULL}},
    /* The rare pair: "cháy" and "rừng" are each common, together rare. */
    {"fire_explosion",
     5,
     "military",
     {"Cháy rừng phòng hộ ven biển tại {P}", NULL},
     {"Diện tích rừng bị cháy khoảng {N} héc ta.", NULL}},
};

/* What the lead unit does, by force; the Border Guard and Military Command are
 * named often, as in real reports. */
static const char *const actions_police[] = {
    "Công an {D} đang xác minh, làm rõ.",
    "Công an {D} đã cử tổ công tác đến hiện trường.",
    "Vụ việc đang được Công an {D} thụ lý giải quyết.",
};
static const char *const actions_bg[] = {
    "{B} phối hợp lực lượng chức năng kiểm tra, lập biên bản.",
    "Bộ đội Biên phòng tỉnh đã chỉ đạo {B} xử lý theo thẩm quyền.",
    "{B} đang củng cố hồ sơ.",
};
static const char *const actions_military[] = {
    "Ban Chỉ huy Quân sự {D} đã huy động lực lượng hỗ trợ người dân.",
    "Bộ Chỉ huy Quân sự tỉnh đang theo dõi, chỉ đạo.",
};
static const char *const informed_texts[] = {
    "Đã thông báo cho Bộ đội Biên phòng tỉnh và Bộ Chỉ huy Quân sự tỉnh.",
    "Đã báo cáo Công an tỉnh và thông báo Bộ đội Biên phòng tỉnh.",
    "Đã thông báo Bộ Chỉ huy Quân sự tỉnh và Công an tỉnh.",
};

/* The queries, typed as people type them: without diacritics. */
static const char *const queries[] = {
    "tau ca",     /* tàu cá: fishing vessels, a common pair */
    "ma tuy",     /* ma túy: drugs */
    "bien phong", /* Biên phòng: the Border Guard, named in many reports */
    "xe may",     /* xe máy: motorbikes */
    "dang thach", /* Đặng Thạch: a rare name, and the very common "đang" */
    "chay rung",  /* cháy rừng: two common words, rarely together */
};
#define N_QUERIES PH_NELEM(queries)

/* ---- text generation ----------------------------------------------------------------- */

struct textbuf {
    char s[4096];
    size_t n;
};

static void tb_put(struct textbuf *b, const char *s)
{
    size_t k = strlen(s);
    if (b->n + k >= sizeof(b->s))
        k = sizeof(b->s) - 1 - b->n;
    memcpy(b->s + b->n, s, k);
    b->n += k;
    b->s[b->n] = '\0';
}

static void tb_printf(struct textbuf *b, const char *fmt, ...) PH_PRINTF(2, 3);
static void tb_printf(struct textbuf *b, const char *fmt, ...)
{
    va_list ap;
    int k;

    va_start(ap, fmt);
    k = vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        b->n += (size_t)k < sizeof(b->s) - b->n ? (size_t)k : sizeof(b->s) - 1 - b->n;
}

static void put_person(struct textbuf *b)
{
    tb_put(b, PICK(family_names));
    tb_put(b, " ");
    tb_put(b, PICK(middle_names));
    tb_put(b, " ");
    tb_put(b, rnd_below(80) == 0 ? RARE_GIVEN_NAME : PICK(given_names));
}

/* Expand template t for an incident in district d. */
static void expand(struct textbuf *b, const char *t, const struct district *d)
{
    for (const char *p = t; *p != '\0'; p++) {
        if (p[0] != '{' || p[1] == '\0' || p[2] != '}') {
            char c[2] = {*p, '\0'};
            tb_put(b, c);
            continue;
        }
        switch (p[1]) {
        case 'P':
            tb_put(b, PICK(communes));
            break;
        case 'H':
            tb_put(b, PICK(hamlets));
            break;
        case 'D':
            tb_put(b, d->name);
            break;
        case 'R':
            tb_put(b, PICK(rivers));
            break;
        case 'E':
            tb_put(b, PICK(estuaries));
            break;
        case 'V':
            tb_printf(b, "BT-%05u-TS", 90000 + rnd_below(10000));
            break;
        case 'W':
            put_person(b);
            break;
        case 'N':
            tb_printf(b, "%u", 2 + rnd_below(60));
            break;
        case 'Y':
            tb_printf(b, "%u", 1960 + rnd_below(46));
            break;
        case 'B':
            tb_put(b, d->bg_post != NULL ? d->bg_post : "Bộ đội Biên phòng tỉnh");
            break;
        default:
            break;
        }
        p += 2;
    }
}

static size_t count_nonnull(const char *const *v, size_t max)
{
    size_t n = 0;
    while (n < max && v[n] != NULL)
        n++;
    return n;
}

/* ---- the province: areas, units, categories --------------------------------------- */

/* Units by force (0 police, 1 military, 2 border guard): the province's [0], each
 * district's [1 + i] (the Border Guard's: the post of a coastal district, else the
 * province's). */
static const char *const force_codes[3] = {"police", "military", "border_guard"};

struct province {
    int64_t area_province, area_sea, area_district[N_DISTRICTS];
    int64_t unit[3][1 + N_DISTRICTS];
    int64_t category[PH_NELEM(texts)];
    int category_force[PH_NELEM(texts)];
};

static int force_index(const char *code)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(force_codes[i], code) == 0)
            return i;
    return 0;
}

static ph_err make_area(struct core_ctx *cx, const char *code, const char *name, const char *level,
                        const char *kind, int64_t parent, int64_t *id)
{
    struct area a = {.code = code,
                     .name = name,
                     .level = level,
                     .kind = kind,
                     .parent_id = parent,
                     .valid_from = "2020-01-01"};
    const char *field = NULL;
    ph_err rc = area_create(cx, &a, &field);

    if (rc != PH_OK)
        fprintf(stderr, "search_bench: area %s: error %d (%s)\n", code, (int)rc,
                field != NULL ? field : "");
    *id = a.id;
    return rc;
}

static ph_err make_unit(struct core_ctx *cx, const char *code, const char *name, const char *force,
                        const char *level, int64_t parent, int64_t area, int64_t *id)
{
    struct unit u = {.code = code,
                     .name = name,
                     .force = force,
                     .level = level,
                     .parent_id = parent,
                     .is_active = true,
                     .area_ids = &area,
                     .n_areas = 1};
    const char *field = NULL;
    ph_err rc = unit_create(cx, &u, &field);

    if (rc != PH_OK)
        fprintf(stderr, "search_bench: unit %s: error %d (%s)\n", code, (int)rc,
                field != NULL ? field : "");
    *id = u.id;
    return rc;
}

/* The areas and units of the province, in one transaction. */
static ph_err make_province(struct core_ctx *cx, struct province *pv)
{
    static const char *const prefix[3] = {"Công an", "Ban Chỉ huy Quân sự", "Bộ đội Biên phòng"};
    static const char *const code_of[3] = {"CA", "QS", "BP"};
    char code[32], name[160];
    ph_err rc;

    if ((rc = store_tx_begin(cx->st)) != PH_OK)
        return rc;
    rc = make_area(cx, "83", "Tỉnh Bến Tre", "province", "coastal", 0, &pv->area_province);
    if (rc == PH_OK)
        rc = make_area(cx, "83S", "Vùng biển Bến Tre", "district", "sea", pv->area_province,
                       &pv->area_sea);
    for (size_t i = 0; i < N_DISTRICTS && rc == PH_OK; i++)
        rc = make_area(cx, districts[i].code, districts[i].name, "district", districts[i].kind,
                       pv->area_province, &pv->area_district[i]);
    rc = rc != PH_OK ? rc
                     : make_unit(cx, "CA-BT", "Công an tỉnh Bến Tre", "police", "province", 0,
                                 pv->area_province, &pv->unit[0][0]);
    rc = rc != PH_OK ? rc
                     : make_unit(cx, "QS-BT", "Bộ Chỉ huy Quân sự tỉnh Bến Tre", "military",
                                 "province", 0, pv->area_province, &pv->unit[1][0]);
    rc = rc != PH_OK ? rc
                     : make_unit(cx, "BP-BT", "Bộ đội Biên phòng tỉnh Bến Tre", "border_guard",
                                 "province", 0, pv->area_sea, &pv->unit[2][0]);
    for (size_t i = 0; i < N_DISTRICTS && rc == PH_OK; i++) {
        const struct district *d = &districts[i];
        for (int f = 0; f < 3 && rc == PH_OK; f++) {
            if (f == 2 && d->bg_post == NULL) {
                pv->unit[2][1 + i] = pv->unit[2][0];
                continue;
            }
            snprintf(code, sizeof(code), "%s-%s", code_of[f], d->code);
            if (f == 2)
                snprintf(name, sizeof(name), "%s", d->bg_post);
            else
                snprintf(name, sizeof(name), "%s %s", prefix[f], d->name);
            rc = make_unit(cx, code, name, force_codes[f], "district", pv->unit[f][0],
                           pv->area_district[i], &pv->unit[f][1 + i]);
        }
    }
    if (rc == PH_OK)
        return store_tx_commit(cx->st);
    (void)store_tx_rollback(cx->st);
    return rc;
}

static ph_err load_categories(struct core_ctx *cx, struct province *pv)
{
    for (size_t i = 0; i < PH_NELEM(texts); i++) {
        struct category c;
        ph_err rc = category_get_by_code(cx, texts[i].code, &c);
        if (rc != PH_OK) {
            fprintf(stderr, "search_bench: category %s: error %d\n", texts[i].code, (int)rc);
            return rc;
        }
        pv->category[i] = c.id;
        pv->category_force[i] = force_index(texts[i].force);
    }
    return PH_OK;
}

/* ---- incidents ----------------------------------------------------------------------- */

static size_t pick_district(void)
{
    unsigned r = rnd_below(100), acc = 0;
    for (size_t i = 0; i < N_DISTRICTS; i++) {
        acc += (unsigned)districts[i].weight;
        if (r < acc)
            return i;
    }
    return 0;
}

static size_t pick_category(void)
{
    int total = 0, r, acc = 0;
    for (size_t i = 0; i < PH_NELEM(texts); i++)
        total += texts[i].weight;
    r = (int)rnd_below((unsigned)total);
    for (size_t i = 0; i < PH_NELEM(texts); i++) {
        acc += texts[i].weight;
        if (r < acc)
            return i;
    }
    return 0;
}

/* One incident number i of count (ids grow with time, as in real use) and its
 * recipients: the lead (by the category's force, in the district), the other two
 * forces' units of the district informed, and now and then a reporting unit of
 * another force. Older incidents are acknowledged and closed. */
static ph_err insert_incident(struct store *st, const struct province *pv, int64_t i, int64_t count,
                              int year_seq[GEN_YEARS])
{
    size_t di = pick_district(), ci = pick_category();
    const struct district *d = &districts[di];
    const struct category_text *ct = &texts[ci];
    struct textbuf title = {.n = 0}, desc = {.n = 0};
    int lead_force = pv->category_force[ci];
    int64_t span = (int64_t)GEN_DAYS * 86400000LL;
    int64_t occurred = GEN_END_MS - span + (int64_t)((double)span * ((double)i / (double)count)) +
                       (int64_t)rnd_below(600000);
    int64_t detected = occurred + (int64_t)rnd_below(1800000);
    int64_t reported = detected + (int64_t)rnd_below(5400000);
    bool is_recent = i >= count - count / 100;
    char ref[INCIDENT_REF_MAX_BYTES], when[TIME_RFC3339_BYTES];
    struct incident inc;
    int64_t id = 0;
    ph_err rc;

    /* The Border Guard leads whatever the matter at sea and on the coast, now and then. */
    if (d->bg_post != NULL && lead_force == 0 && rnd_below(5) == 0)
        lead_force = 2;
    expand(&title, ct->titles[rnd_below((unsigned)count_nonnull(ct->titles, 6))], d);
    /* when: "29/11/2026 06:34", Vietnam's time. */
    time_format_vn(detected, when);
    tb_printf(&desc, "Vào lúc %.2s giờ %.2s ngày %.5s, %s phát hiện sự việc tại ", when + 11,
              when + 14, when, PICK(reporters));
    expand(&desc, rnd_below(2) ? "{H}, {P}, {D}. " : "{P}, {D}. ", d);
    expand(&desc, ct->details[rnd_below((unsigned)count_nonnull(ct->details, 4))], d);
    tb_put(&desc, " ");
    if (rnd_below(2) == 0) {
        expand(&desc, ct->details[rnd_below((unsigned)count_nonnull(ct->details, 4))], d);
        tb_put(&desc, " ");
    }
    if (lead_force == 0)
        expand(&desc, PICK(actions_police), d);
    else if (lead_force == 1)
        expand(&desc, PICK(actions_military), d);
    else
        expand(&desc, PICK(actions_bg), d);
    if (rnd_below(3) == 0) {
        tb_put(&desc, " ");
        tb_put(&desc, PICK(informed_texts));
    }

    /* BT-2025-000123: numbered per year of the report, in Vietnam's time. */
    time_format_vn(reported, when);
    int year = (int)strtol(when + 6, NULL, 10);
    int slot = year - GEN_FIRST_YEAR;
    if (slot < 0 || slot >= GEN_YEARS)
        return PH_EINVAL;
    snprintf(ref, sizeof(ref), "BT-%d-%06d", year, ++year_seq[slot]);

    memset(&inc, 0, sizeof(inc));
    inc.ref = ref;
    inc.category_id = pv->category[ci];
    inc.severity = 1 + (int)rnd_below(4);
    inc.title = title.s;
    inc.description = desc.s;
    inc.occurred_at = occurred;
    inc.detected_at = detected;
    inc.reported_at = reported;
    inc.has_location = true;
    inc.lat = d->lat + (rnd_unit() - 0.5) * 0.12;
    inc.lon = d->lon + (rnd_unit() - 0.5) * 0.12;
    inc.area_id = pv->area_district[di];
    inc.lead_unit_id = pv->unit[lead_force][1 + di];
    inc.reporting_unit_id = inc.lead_unit_id;
    unsigned cls = rnd_below(100);
    inc.classification = cls < 85   ? CLEARANCE_UNCLASSIFIED
                         : cls < 97 ? CLEARANCE_CONFIDENTIAL
                                    : CLEARANCE_SECRET;
    inc.status = is_recent ? (rnd_below(2) ? "new" : "acknowledged") : "closed";
    unsigned cap = rnd_below(100);
    inc.cap_status = cap < 97 ? "actual" : cap < 99 ? "exercise" : "test";
    inc.report_due_at = detected + 3600000;
    inc.report_late = reported > inc.report_due_at;
    inc.created_at = inc.updated_at = reported;
    if ((rc = store_incident_insert(st, &inc, &id)) != PH_OK)
        return rc;

    /* Recipients: the lead, then the other two forces informed. */
    for (int k = 0; k < 3 && rc == PH_OK; k++) {
        int f = (lead_force + k) % 3;
        struct incident_recipient r;
        memset(&r, 0, sizeof(r));
        r.unit_id = pv->unit[f][1 + di];
        if (k > 0 && r.unit_id == inc.lead_unit_id)
            continue;
        r.role = k == 0 ? INCIDENT_ROLE_LEAD : INCIDENT_ROLE_INFORMED;
        r.sent_at = reported;
        r.ack_due_at = reported + 1800000;
        if (!is_recent || rnd_below(2) == 0) {
            r.received_at = reported + (int64_t)rnd_below(3600000);
            r.received_by = 1;
        }
        rc = store_incident_recipient_put(st, id, &r);
    }
    return rc;
}

static bool is_sqlite(const struct store *st)
{
    return st->ops == &store_sqlite_ops;
}

/* The province and count incidents into the new database st (any store). */
static ph_err generate_into(struct store *st, int64_t count)
{
    struct arena a;
    struct core_ctx cx;
    struct province pv;
    struct progress pr;
    uint64_t t0 = time_mono_ns();
    int year_seq[GEN_YEARS] = {0};
    ph_err rc;

    arena_init(&a);
    memset(&pv, 0, sizeof(pv));
    cx = (struct core_ctx){.st = st,
                           .arena = &a,
                           .user = &core_system_user,
                           .client = "search_bench",
                           .now_ms = time_now_ms()};
    if ((rc = make_province(&cx, &pv)) != PH_OK || (rc = load_categories(&cx, &pv)) != PH_OK)
        goto out;
    /* Only this connection writes: a bigger page cache for the bulk load (the
     * timed runs reopen the file with the store's own settings). */
    if (is_sqlite(st))
        sqlite3_exec(store_sq_of(st)->db, "PRAGMA cache_size = -262144", NULL, NULL, NULL);
    progress_init(&pr);
    progress_begin(&pr, "search_bench: generating incidents", count);
    for (int64_t i = 0; i < count && rc == PH_OK;) {
        if ((rc = store_tx_begin(st)) != PH_OK)
            break;
        for (int64_t k = 0; k < GEN_TX_INCIDENTS && i < count && rc == PH_OK; k++, i++)
            rc = insert_incident(st, &pv, i, count, year_seq);
        if (rc == PH_OK)
            rc = store_tx_commit(st);
        else
            (void)store_tx_rollback(st);
        progress_update(&pr, i);
    }
    progress_end(&pr);
    if (rc != PH_OK)
        fprintf(stderr, "search_bench: generation failed: error %d\n", (int)rc);
    if (rc == PH_OK) {
        double s = (double)(time_mono_ns() - t0) / 1e9;
        fprintf(stderr, "search_bench: generated %lld incidents in %.0f s (%.0f/s)\n",
                (long long)count, s, (double)count / s);
    }
out:
    arena_release(&a);
    return rc;
}

/* A new SQLite file at path holding the generated database, all in the file. */
static ph_err generate(const char *path, int64_t count)
{
    struct store *st = NULL;
    char dsn[4200];
    ph_err rc;

    if (snprintf(dsn, sizeof(dsn), "sqlite:%s", path) >= (int)sizeof(dsn) ||
        store_open(dsn, &st) != PH_OK) {
        fprintf(stderr, "search_bench: cannot create %s\n", path);
        return PH_EIO;
    }
    rc = generate_into(st, count);
    /* Copy the WAL into the file now: store_close then leaves no WAL behind. */
    if (rc == PH_OK &&
        sqlite3_wal_checkpoint_v2(store_sq_of(st)->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
                                  NULL) != SQLITE_OK) {
        fprintf(stderr, "search_bench: checkpoint: %s\n", sqlite3_errmsg(store_sq_of(st)->db));
        rc = PH_ESTORE;
    }
    store_close(st);
    return rc;
}

/* The database of -D: the store at dsn, the count incidents generated into it
 * when it holds none (generation is deterministic, so it holds what the SQLite
 * cache file holds, ids included); reused when incident count is its newest, so
 * that another run on the same database times the same data. */
static ph_err dsn_db(const char *dsn, int64_t count, struct store **out)
{
    struct store *st = NULL;
    struct arena a;
    struct incident inc;
    ph_err rc;

    if (store_open(dsn, &st) != PH_OK) {
        fprintf(stderr, "search_bench: cannot open %s\n", dsn);
        return PH_EIO;
    }
    arena_init(&a);
    rc = store_incident_get(st, &a, count, time_now_ms(), &inc);
    if (rc == PH_OK && store_incident_get(st, &a, count + 1, time_now_ms(), &inc) == PH_ENOTFOUND) {
        fprintf(stderr, "search_bench: reusing the %lld incidents of %s\n", (long long)count, dsn);
    } else if (rc == PH_ENOTFOUND &&
               store_incident_get(st, &a, 1, time_now_ms(), &inc) == PH_ENOTFOUND) {
        fprintf(stderr, "search_bench: making %lld incidents in %s through the store\n",
                (long long)count, dsn);
        rc = generate_into(st, count);
    } else {
        fprintf(stderr,
                "search_bench: %s holds other incidents than %lld generated ones; give a "
                "new database\n",
                dsn, (long long)count);
        rc = rc == PH_OK ? PH_ECONFLICT : rc;
    }
    arena_release(&a);
    if (rc != PH_OK) {
        store_close(st);
        return rc;
    }
    *out = st;
    return PH_OK;
}

/* ---- the cache --------------------------------------------------------------------- */

/* FNV-1a over every embedded SQLite migration: a changed schema is another file. */
static uint32_t schema_hash(void)
{
    uint32_t h = 2166136261u;
    for (const struct embedded_file *f = embedded_files; f->name != NULL; f++) {
        if (strstr(f->name, "schema/sqlite/") == NULL)
            continue;
        for (size_t i = 0; i < f->len; i++) {
            h ^= f->data[i];
            h *= 16777619u;
        }
    }
    return h;
}

static void remove_db(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char name[4200];
    for (size_t i = 0; i < PH_NELEM(suffixes); i++) {
        if (snprintf(name, sizeof(name), "%s%s", path, suffixes[i]) < (int)sizeof(name))
            (void)unlink(name);
    }
}

/* Open and lock (flock: released when the process ends, however it ends) the lock
 * file of a database file; -1 when it cannot be opened, or when is_try and another
 * process holds it. */
static int lock_db(const char *db_path, int how, bool is_try)
{
    char name[4200];
    int fd;

    if (snprintf(name, sizeof(name), "%s.lock", db_path) >= (int)sizeof(name) ||
        (fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
        return -1;
    if (flock(fd, how | LOCK_NB) == 0)
        return fd;
    if (!is_try && errno == EWOULDBLOCK) {
        fprintf(stderr, "search_bench: waiting for another search_bench using %s\n", db_path);
        if (flock(fd, how) == 0)
            return fd;
    }
    close(fd);
    return -1;
}

/* Remove the databases of count incidents in dir other than keep (made by an older
 * schema or generator: a gigabyte each for a million), unless a run is using one. */
static void remove_stale(const char *dir, int64_t count, const char *keep)
{
    char suffix[64], name[4200];
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL)
        return;
    snprintf(suffix, sizeof(suffix), "-%lld.db", (long long)count);
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name), k = strlen(suffix);
        if (strncmp(e->d_name, "search-", 7) != 0 || n <= k ||
            strcmp(e->d_name + n - k, suffix) != 0 ||
            snprintf(name, sizeof(name), "%s/%s", dir, e->d_name) >= (int)sizeof(name) ||
            strcmp(name, keep) == 0)
            continue;
        int fd = lock_db(name, LOCK_EX, true);
        if (fd < 0)
            continue;
        fprintf(stderr, "search_bench: removing %s (an older schema or generator)\n", name);
        remove_db(name);
        if (snprintf(name + strlen(name), sizeof(name) - strlen(name), ".lock") > 0)
            (void)unlink(name);
        close(fd);
    }
    closedir(d);
}

/* The cached database of count incidents in dir, made when missing. The file stays
 * locked (shared) until the process ends: two runs at once (several people share
 * this machine) never make the same file twice nor remove it under each other. */
static ph_err cached_db(const char *dir, int64_t count, char *path, size_t path_size)
{
    char tmp[4200], wal[4300];
    struct stat sb;
    ph_err rc;
    int fd;

    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "search_bench: cannot make %s: %s\n", dir, strerror(errno));
        return PH_EIO;
    }
    if (snprintf(path, path_size, "%s/search-s%d-%08x-g%d-%lld.db", dir, STORE_SCHEMA_VERSION,
                 (unsigned)schema_hash(), GEN_VERSION, (long long)count) >= (int)path_size ||
        snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp) ||
        snprintf(wal, sizeof(wal), "%s-wal", tmp) >= (int)sizeof(wal)) {
        fprintf(stderr, "search_bench: %s: name too long\n", dir);
        return PH_EIO;
    }
    if ((fd = lock_db(path, LOCK_EX, false)) < 0) {
        fprintf(stderr, "search_bench: cannot lock %s.lock: %s\n", path, strerror(errno));
        return PH_EIO;
    }
    if (stat(path, &sb) == 0) {
        fprintf(stderr, "search_bench: reusing %s (%.0f MB)\n", path, (double)sb.st_size / 1e6);
        rc = PH_OK;
        goto out;
    }
    remove_db(tmp); /* an interrupted generation starts over */
    fprintf(stderr,
            "search_bench: making %s: %lld incidents through the store (a million take a few "
            "minutes; the file is kept for later runs)\n",
            path, (long long)count);
    rc = generate(tmp, count);
    /* Everything must be in the file itself before it takes its final name. */
    if (rc == PH_OK && stat(wal, &sb) == 0 && sb.st_size > 0) {
        fprintf(stderr, "search_bench: %s was not checkpointed\n", wal);
        rc = PH_ESTORE;
    }
    if (rc == PH_OK && rename(tmp, path) != 0) {
        fprintf(stderr, "search_bench: rename %s: %s\n", tmp, strerror(errno));
        rc = PH_EIO;
    }
    if (rc != PH_OK)
        remove_db(tmp);
    else
        remove_stale(dir, count, path);
out:
    if (rc == PH_OK && flock(fd, LOCK_SH) == 0)
        return PH_OK; /* fd stays open: the shared lock lasts as long as the process */
    close(fd);
    return rc != PH_OK ? rc : PH_EIO;
}

/* ---- timing -------------------------------------------------------------------------- */

struct samples {
    double *v; /* ms */
    size_t n, cap;
};

static void add_sample(struct samples *s, double ms)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        s->v = realloc(s->v, s->cap * sizeof(*s->v));
        if (s->v == NULL)
            abort();
    }
    s->v[s->n++] = ms;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentile p (0..1) of s, nearest rank; sorts s. */
static double pct(struct samples *s, double p)
{
    if (s->n == 0)
        return 0;
    qsort(s->v, s->n, sizeof(*s->v), cmp_double);
    size_t i = (size_t)(p * (double)s->n + 0.999999);
    if (i == 0)
        i = 1;
    return s->v[(i > s->n ? s->n : i) - 1];
}

static void add_all(struct samples *to, const struct samples *from)
{
    for (size_t i = 0; i < from->n; i++)
        add_sample(to, from->v[i]);
}

/* One incident_list call as who; its time in ms, -1 on failure. *n_out: rows. */
static double time_list(struct store *st, const struct core_user *who, const char *q, size_t *n_out)
{
    struct arena a;
    struct incident_filter f;
    struct incident *items = NULL;
    size_t n = 0;
    bool more = false;
    uint64_t t0;
    ph_err rc;

    arena_init(&a);
    memset(&f, 0, sizeof(f));
    f.q = q;
    f.limit = PAGE;
    struct core_ctx cx = {
        .st = st, .arena = &a, .user = who, .client = "search_bench", .now_ms = time_now_ms()};
    t0 = time_mono_ns();
    rc = incident_list(&cx, &f, &items, &n, &more);
    double ms = (double)(time_mono_ns() - t0) / 1e6;
    arena_release(&a);
    *n_out = n;
    if (rc != PH_OK) {
        fprintf(stderr, "search_bench: incident_list '%s': error %d\n", q, (int)rc);
        return -1;
    }
    return ms;
}

/* One raw FTS5 query (match in FTS5 syntax); its time in ms, -1 on failure. */
static double time_raw(sqlite3_stmt *stmt, const char *match, size_t *n_out)
{
    uint64_t t0 = time_mono_ns();
    size_t n = 0;
    int e;

    sqlite3_bind_text(stmt, 1, match, -1, SQLITE_STATIC);
    while ((e = sqlite3_step(stmt)) == SQLITE_ROW)
        n++;
    sqlite3_reset(stmt);
    double ms = (double)(time_mono_ns() - t0) / 1e6;
    *n_out = n;
    if (e != SQLITE_DONE) {
        fprintf(stderr, "search_bench: raw FTS5 '%s': %s\n", match, sqlite3_errstr(e));
        return -1;
    }
    return ms;
}

static long count_matches(sqlite3 *db, const char *match)
{
    sqlite3_stmt *stmt = NULL;
    long n = -1;

    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM incidents_fts WHERE incidents_fts MATCH ?1",
                           -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_bind_text(stmt, 1, match, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

/* The district police of Ba Tri's duty officer: a unit-scoped caller. */
static ph_err duty_officer(struct store *st, struct arena *a, struct core_user *who)
{
    struct core_ctx cx = {.st = st,
                          .arena = a,
                          .user = &core_system_user,
                          .client = "search_bench",
                          .now_ms = time_now_ms()};
    struct unit_filter f = {.force = "police", .level = "district", .limit = 100};
    struct unit *u = NULL;
    size_t n = 0;
    bool more = false;
    ph_err rc = unit_list(&cx, &f, &u, &n, &more);

    for (size_t i = 0; i < n && rc == PH_OK; i++) {
        if (strcmp(u[i].code, "CA-836") != 0)
            continue;
        *who = (struct core_user){.person_id = 1,
                                  .username = "bench.duty",
                                  .full_name = "Trực ban Công an huyện Ba Tri",
                                  .roles = ROLE_DUTY_OFFICER,
                                  .clearance = CLEARANCE_CONFIDENTIAL,
                                  .unit_id = u[i].id,
                                  .unit_path = u[i].path,
                                  .unit_level = u[i].level,
                                  .force = u[i].force};
        return PH_OK;
    }
    fprintf(stderr, "search_bench: the district police unit CA-836 is missing (%d)\n", (int)rc);
    return rc != PH_OK ? rc : PH_ENOTFOUND;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: search_bench [-n COUNT] [-r RUNS] [-t SECONDS] [-d CACHE_DIR] [-D DSN]\n");
}

int main(int argc, char **argv)
{
    const char *dir = "build/bench-cache";
    long long count = DEFAULT_COUNT;
    long runs = 100;
    double budget_s = 15;
    char path[4200], dsn[4300];
    struct store *st = NULL;
    struct arena a;
    struct core_user admin = {.person_id = 2,
                              .username = "bench.admin",
                              .full_name = "Quản trị",
                              .roles = ROLE_ADMIN,
                              .clearance = CLEARANCE_TOP_SECRET};
    struct core_user duty;
    struct samples all_ph = {0}, all_raw = {0}, all_pre = {0};
    sqlite3 *db = NULL;
    sqlite3_stmt *raw = NULL;
    const char *dsn_opt = NULL, *where = path;
    int opt, status = 1;

    while ((opt = getopt(argc, argv, "n:r:t:d:D:")) != -1) {
        char *end = NULL;
        switch (opt) {
        case 'n':
            count = strtoll(optarg, &end, 10);
            break;
        case 'r':
            runs = strtol(optarg, &end, 10);
            break;
        case 't':
            budget_s = strtod(optarg, &end);
            break;
        case 'd':
            dir = optarg;
            end = optarg + strlen(optarg);
            break;
        case 'D':
            dsn_opt = optarg;
            end = optarg + strlen(optarg);
            break;
        default:
            usage();
            return 2;
        }
        if (end == NULL || *end != '\0') {
            usage();
            return 2;
        }
    }
    if (count < 1000 || count > 100000000 || runs < 1 || runs > 100000 || budget_s <= 0) {
        usage();
        return 2;
    }
    log_set_level(LOG_WARN);
    arena_init(&a);
    if (dsn_opt != NULL) {
        if (dsn_db(dsn_opt, count, &st) != PH_OK)
            goto out;
        where = dsn_opt;
    } else {
        if (cached_db(dir, count, path, sizeof(path)) != PH_OK)
            goto out;
        if (snprintf(dsn, sizeof(dsn), "sqlite:%s", path) >= (int)sizeof(dsn) ||
            store_open(dsn, &st) != PH_OK) {
            fprintf(stderr, "search_bench: cannot open %s\n", path);
            goto out;
        }
    }
    if (duty_officer(st, &a, &duty) != PH_OK)
        goto out;

    /* The reference runs on the store's own connection: the same page cache. Another
     * store has no FTS5 index: its core calls are timed alone. */
    if (is_sqlite(st)) {
        db = store_sq_of(st)->db;
        if (sqlite3_prepare_v2(db,
                               "SELECT rowid FROM incidents_fts WHERE incidents_fts MATCH ?1 "
                               "ORDER BY rowid DESC LIMIT 51",
                               -1, &raw, NULL) != SQLITE_OK) {
            fprintf(stderr, "search_bench: prepare: %s\n", sqlite3_errmsg(db));
            goto out;
        }
    }
    printf("  search: %lld incidents in %s (%s store); %ld runs per query, caller and form (at "
           "most %.0f s per query); first page of %d, newest first\n",
           count, where, raw != NULL ? "sqlite" : "postgres", runs, budget_s, PAGE);
    status = 0;
    for (size_t qi = 0; qi < N_QUERIES; qi++) {
        const char *q = queries[qi];
        char prefix_q[64];
        struct samples ph_admin = {0}, ph_duty = {0}, s_raw = {0}, s_pre = {0};
        size_t n_admin = 0, n_duty = 0, n_raw = 0, n_pre = 0;
        long hits = raw != NULL ? count_matches(db, q) : -1;
        uint64_t t_end;

        snprintf(prefix_q, sizeof(prefix_q), "%s*", q);
        /* Two untimed rounds: the first query of a kind prepares and reads pages. */
        for (int w = 0; w < 2; w++) {
            (void)time_list(st, &admin, q, &n_admin);
            (void)time_list(st, &duty, q, &n_duty);
            if (raw != NULL)
                (void)time_raw(raw, q, &n_raw);
        }
        t_end = time_mono_ns() + (uint64_t)(budget_s * 1e9);
        for (long r = 0; r < runs && time_mono_ns() < t_end; r++) {
            double ms;
            if ((ms = time_list(st, &admin, q, &n_admin)) < 0)
                goto fail;
            add_sample(&ph_admin, ms);
            if ((ms = time_list(st, &duty, q, &n_duty)) < 0)
                goto fail;
            add_sample(&ph_duty, ms);
            if (raw == NULL)
                continue;
            if ((ms = time_raw(raw, q, &n_raw)) < 0)
                goto fail;
            add_sample(&s_raw, ms);
            if ((ms = time_raw(raw, prefix_q, &n_pre)) < 0)
                goto fail;
            add_sample(&s_pre, ms);
        }
        if (hits > 0 && n_admin == 0) {
            fprintf(stderr, "search_bench: '%s' has %ld matches but incident_list found none\n", q,
                    hits);
            goto fail;
        }
        add_all(&all_ph, &ph_admin);
        add_all(&all_ph, &ph_duty);
        add_all(&all_raw, &s_raw);
        add_all(&all_pre, &s_pre);
        if (raw != NULL)
            printf("  search %-12s %7ld hits (%5.2f%%)  admin p50 %6.2f p99 %6.2f ms (%zu rows)  "
                   "duty p50 %6.2f p99 %6.2f ms (%zu rows)  FTS5 p50 %6.2f ms  FTS5 'w*' p50 "
                   "%7.2f ms  [%zu runs]\n",
                   q, hits, 100.0 * (double)hits / (double)count, pct(&ph_admin, 0.5),
                   pct(&ph_admin, 0.99), n_admin, pct(&ph_duty, 0.5), pct(&ph_duty, 0.99), n_duty,
                   pct(&s_raw, 0.5), pct(&s_pre, 0.5), ph_admin.n);
        else
            printf("  search %-12s       - hits          admin p50 %6.2f p99 %6.2f ms (%zu rows)  "
                   "duty p50 %6.2f p99 %6.2f ms (%zu rows)  [%zu runs]\n",
                   q, pct(&ph_admin, 0.5), pct(&ph_admin, 0.99), n_admin, pct(&ph_duty, 0.5),
                   pct(&ph_duty, 0.99), n_duty, ph_admin.n);
        fflush(stdout);
        free(ph_admin.v);
        free(ph_duty.v);
        free(s_raw.v);
        free(s_pre.v);
        continue;
    fail:
        status = 1;
        free(ph_admin.v);
        free(ph_duty.v);
        free(s_raw.v);
        free(s_pre.v);
        break;
    }
    if (status == 0 && raw == NULL) {
        double med = pct(&all_ph, 0.5), p99 = pct(&all_ph, 0.99), max = pct(&all_ph, 1.0);
        bool over = med >= 10.0 || p99 >= 50.0;
        printf("bench search: %lld incidents (postgres store), phoihop median %.2f ms p99 %.2f ms "
               "max %.2f ms (goal <10/<50)%s; no raw reference (FTS5 is SQLite's); %zu phoihop "
               "queries (%zu queries x admin and district duty officer)\n",
               count, med, p99, max, over ? " OVER GOAL" : "", all_ph.n, (size_t)N_QUERIES);
    } else if (status == 0) {
        double med = pct(&all_ph, 0.5), p99 = pct(&all_ph, 0.99), max = pct(&all_ph, 1.0);
        double rmed = pct(&all_raw, 0.5), rp99 = pct(&all_raw, 0.99);
        bool over = med >= 10.0 || p99 >= 50.0;
        printf("bench search: %lld incidents, phoihop median %.2f ms p99 %.2f ms max %.2f ms "
               "(goal <10/<50)%s, raw FTS5 median %.2f ms p99 %.2f ms, ratio %.1f (medians); "
               "FTS5 with its own prefix query median %.2f ms; %zu phoihop queries (%zu queries "
               "x admin and district duty officer)\n",
               count, med, p99, max, over ? " OVER GOAL" : "", rmed, rp99,
               rmed > 0 ? med / rmed : 0, pct(&all_pre, 0.5), all_ph.n, (size_t)N_QUERIES);
    }
out:
    sqlite3_finalize(raw); /* harmless on NULL */
    free(all_ph.v);
    free(all_raw.v);
    free(all_pre.v);
    store_close(st);
    arena_release(&a);
    return status;
}
