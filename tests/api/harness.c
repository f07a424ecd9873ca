/* harness.c - runs `phoihop serve` on a fresh database and drives it over HTTP
 * with libcurl; helpers to make records and to check the API's error shape.
 *
 * The server is a child process: `init` first (with PHOIHOP_ADMIN_PASSWORD), then
 * `serve --listen 127.0.0.1:0`, whose stdout is a pipe we read the port from. Its
 * stderr stays ours so sanitizer reports show in the test log. PR_SET_PDEATHSIG
 * makes sure a crashed driver leaves no server behind. */
#include "util/base.h"
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include "harness.h"

struct server *g_srv = &g_main_srv;
struct server g_main_srv;

/* ---- the garbage list -------------------------------------------------------------- */

struct gc_item {
    void (*fn)(void *);
    void *p;
};
static struct gc_item *gc_items;
static size_t gc_n, gc_cap;

static void *gc_keep(void *p, void (*fn)(void *))
{
    if (gc_n == gc_cap) {
        gc_cap = gc_cap != 0 ? gc_cap * 2 : 256;
        gc_items = realloc(gc_items, gc_cap * sizeof(*gc_items));
        if (gc_items == NULL)
            abort();
    }
    gc_items[gc_n].fn = fn;
    gc_items[gc_n].p = p;
    gc_n++;
    return p;
}

static void resp_free(void *p)
{
    struct resp *r = p;
    if (r == NULL)
        return;
    json_decref(r->json);
    free(r->body);
    free(r->headers);
    free(r->path);
    free(r);
}

int h_gc(void **state)
{
    (void)state;
    while (gc_n > 0) {
        gc_n--;
        gc_items[gc_n].fn(gc_items[gc_n].p);
    }
    free(gc_items);
    gc_items = NULL;
    gc_cap = 0;
    return 0;
}

char *tfmt(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    return gc_keep(s, free);
}

char *urlenc(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    char *out;
    if (e == NULL)
        abort();
    out = strdup(e);
    curl_free(e);
    if (out == NULL)
        abort();
    return gc_keep(out, free);
}

char *uniq_word(void)
{
    /* Six letters, never a prefix of another: "contains" searches hit one record. */
    static unsigned long n = 26UL * 26 * 26 * 26 * 26 + 12345;
    unsigned long v = n++;
    char w[7];
    for (int i = 5; i >= 0; i--) {
        w[i] = (char)('a' + v % 26);
        v /= 26;
    }
    w[6] = '\0';
    return tfmt("%s", w);
}

char *uniq_num(void)
{
    static unsigned long n = 700000;
    return tfmt("%lu", n++);
}

/* ---- the server ------------------------------------------------------------------- */

const char *h_bin(void)
{
    const char *b = getenv("PHOIHOP_BIN");
    return b != NULL && b[0] != '\0' ? b : "build/san/phoihop";
}

const char *h_admin_user(void)
{
    const char *u = getenv("PHOIHOP_ADMIN_USER");
    return u != NULL && u[0] != '\0' ? u : "admin";
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for pid up to timeout_s; its exit status, -1 on a signal, -2 on timeout. */
static int wait_child(pid_t pid, int timeout_s)
{
    int64_t end = now_ms() + (int64_t)timeout_s * 1000;
    int status;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            return -1;
        if (now_ms() > end)
            return -2;
        usleep(20 * 1000);
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        fprintf(stderr, "test_api: pid %d died of signal %d\n", (int)pid, WTERMSIG(status));
    return -1;
}

/* Run bin with args (NULL-terminated), stdout to ours; its exit status. */
static int run_tool(char *const argv[], int timeout_s)
{
    pid_t pid = fork();
    int rc;
    if (pid < 0) {
        perror("test_api: fork");
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        execv(argv[0], argv);
        fprintf(stderr, "test_api: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    rc = wait_child(pid, timeout_s);
    if (rc == -2) {
        fprintf(stderr, "test_api: %s %s timed out\n", argv[0], argv[1]);
        kill(pid, SIGKILL);
        (void)wait_child(pid, 10);
        return -1;
    }
    return rc;
}

static void *drain_stdout(void *arg)
{
    struct server *s = arg;
    char buf[4096];
    for (;;) {
        ssize_t n = read(s->out_fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        fwrite(buf, 1, (size_t)n, stdout);
        fflush(stdout);
    }
    return NULL;
}

/* "phoihop: cot listening on tcp://127.0.0.1:PORT" (udp://, tls://), printed
 * before the HTTP line: note the port. */
static void cot_port_line(struct server *s, const char *line)
{
    static const char marker[] = "phoihop: cot listening on ";
    static const struct {
        const char *scheme;
        size_t off;
    } schemes[] = {
        {"tcp://127.0.0.1:", offsetof(struct server, cot_tcp_port)},
        {"udp://127.0.0.1:", offsetof(struct server, cot_udp_port)},
        {"tls://127.0.0.1:", offsetof(struct server, cot_tls_port)},
    };
    const char *p = strstr(line, marker);

    if (p == NULL)
        return;
    p += sizeof(marker) - 1;
    for (size_t i = 0; i < PH_NELEM(schemes); i++) {
        size_t n = strlen(schemes[i].scheme);
        if (strncmp(p, schemes[i].scheme, n) == 0) {
            long port = strtol(p + n, NULL, 10);
            if (port > 0 && port < 65536)
                *(int *)((char *)s + schemes[i].off) = (int)port;
        }
    }
}

int srv_cot_port(const struct server *s, const char *scheme)
{
    if (strcmp(scheme, "tcp") == 0)
        return s->cot_tcp_port;
    if (strcmp(scheme, "udp") == 0)
        return s->cot_udp_port;
    if (strcmp(scheme, "tls") == 0)
        return s->cot_tls_port;
    return 0;
}

/* Read stdout lines until the listening line; the port, or -1. */
static int read_port(struct server *s)
{
    static const char marker[] = "phoihop: listening on http://127.0.0.1:";
    char line[1024];
    size_t used = 0;
    int64_t end = now_ms() + H_READY_TIMEOUT_S * 1000;

    for (;;) {
        struct pollfd pfd = {.fd = s->out_fd, .events = POLLIN};
        int64_t left = end - now_ms();
        ssize_t n;
        char *nl;

        if (left <= 0) {
            fprintf(stderr, "test_api: server not ready within %d s\n", H_READY_TIMEOUT_S);
            return -1;
        }
        if (poll(&pfd, 1, (int)left) <= 0)
            continue;
        n = read(s->out_fd, line + used, sizeof(line) - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "test_api: server closed stdout before listening\n");
            return -1;
        }
        used += (size_t)n;
        line[used] = '\0';
        while ((nl = strchr(line, '\n')) != NULL) {
            char *p;
            *nl = '\0';
            p = strstr(line, marker);
            if (p != NULL) {
                char *endp;
                long port = strtol(p + sizeof(marker) - 1, &endp, 10);
                if (port > 0 && port < 65536 && (*endp == '\0' || *endp == '\r' || *endp == '/'))
                    return (int)port;
                fprintf(stderr, "test_api: bad listening line: %s\n", line);
                return -1;
            }
            cot_port_line(s, line);
            printf("%s\n", line); /* anything else the server says */
            memmove(line, nl + 1, used - (size_t)(nl + 1 - line) + 1);
            used -= (size_t)(nl + 1 - line);
        }
        if (used == sizeof(line) - 1)
            used = 0; /* a line too long to be ours */
    }
}

/* Run directly, the servers get the suppressions `make check` gives them (h2o's
 * per-thread buffer caches, tests/lsan.supp), unless the caller chose otherwise. */
static void default_lsan_options(void)
{
    char *abs;
    char *opt;
    if (getenv("LSAN_OPTIONS") != NULL)
        return;
    abs = realpath("tests/lsan.supp", NULL);
    if (abs == NULL)
        return;
    if (asprintf(&opt, "suppressions=%s:print_suppressions=0", abs) >= 0) {
        setenv("LSAN_OPTIONS", opt, 1);
        free(opt);
    }
    free(abs);
}

const char *srv_dsn(const struct server *s)
{
    static __thread char dsn[320];
    if (strstr(s->db, "://") != NULL)
        return s->db;
    snprintf(dsn, sizeof(dsn), "sqlite:%s", s->db);
    return dsn;
}

int srv_start(struct server *s)
{
    return srv_start_args(s, NULL);
}

int srv_start_args(struct server *s, const char *const *extra)
{
    const char *tmp = getenv("TMPDIR");
    const char *bin = h_bin();
    int fds[2];
    pid_t pid;
    int rc;

    memset(s, 0, sizeof(*s));
    s->pid = -1;
    s->out_fd = -1;
    snprintf(s->dir, sizeof(s->dir), "%s/phoihop-api-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(s->dir) == NULL) {
        perror("test_api: mkdtemp");
        return -1;
    }
    /* On PostgreSQL (PHOIHOP_TEST_PG: a server's URL ending in '/'), a fresh
     * database per server, which init creates; else a file in the directory. */
    const char *pg = getenv("PHOIHOP_TEST_PG");
    if (pg != NULL && pg[0] != '\0') {
        static unsigned n_servers;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(s->db, sizeof(s->db), "%sapi_%ld_%u_%ld", pg, (long)getpid(), ++n_servers,
                 (long)ts.tv_nsec);
    } else {
        snprintf(s->db, sizeof(s->db), "%s/db", s->dir);
    }
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "test_api: %s is not an executable (set PHOIHOP_BIN)\n", bin);
        return -1;
    }
    setenv("PHOIHOP_ADMIN_PASSWORD", H_ADMIN_PASSWORD, 1);
    default_lsan_options();
    {
        char *argv[] = {(char *)bin, "init", "--db", s->db, NULL};
        rc = run_tool(argv, 120);
    }
    if (rc != 0) {
        fprintf(stderr, "test_api: %s init --db %s exited %d\n", bin, s->db, rc);
        return -1;
    }
    if (pipe2(fds, O_CLOEXEC) != 0) {
        perror("test_api: pipe");
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        perror("test_api: fork");
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        char *argv[] = {(char *)bin,
                        "serve",
                        "--db",
                        s->db,
                        "--listen",
                        "127.0.0.1:0",
                        "--threads",
                        "2",
                        "--login-throttle",
                        "5",
                        "--login-lock-after",
                        "4",
                        "--login-lock-minutes",
                        "1",
                        "--cot-listen",
                        "127.0.0.1:0",
                        "--cot-udp-listen",
                        "127.0.0.1:0",
                        NULL,
                        NULL,
                        NULL,
                        NULL,
                        NULL,
                        NULL,
                        NULL,
                        NULL,
                        NULL,
                        NULL,
                        NULL,
                        NULL,
                        NULL};
        size_t argc = 0;
        while (argv[argc] != NULL)
            argc++;
        /* The extra arguments, as many as the NULL slots above hold. */
        for (size_t i = 0; extra != NULL && extra[i] != NULL && argc + 1 < PH_NELEM(argv); i++)
            argv[argc++] = (char *)extra[i];
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (dup2(fds[1], STDOUT_FILENO) < 0)
            _exit(127);
        execv(bin, argv);
        fprintf(stderr, "test_api: exec %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    s->pid = pid;
    s->out_fd = fds[0];
    s->port = read_port(s);
    if (s->port < 0) {
        (void)srv_stop(s);
        return -1;
    }
    snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", s->port);
    if (pthread_create(&s->drain, NULL, drain_stdout, s) == 0)
        s->drain_started = 1;
    return 0;
}

int srv_stop(struct server *s)
{
    int rc;
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    rc = wait_child(s->pid, H_STOP_TIMEOUT_S);
    if (rc == -2) {
        fprintf(stderr, "test_api: server did not stop within %d s of SIGTERM; killing it\n",
                H_STOP_TIMEOUT_S);
        kill(s->pid, SIGKILL);
        (void)wait_child(s->pid, 10);
        rc = -1;
    }
    s->pid = -1;
    if (s->drain_started) {
        pthread_join(s->drain, NULL);
        s->drain_started = 0;
    }
    if (s->out_fd >= 0)
        close(s->out_fd);
    s->out_fd = -1;
    return rc;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void srv_cleanup(struct server *s)
{
    if (s->dir[0] == '\0' || getenv("PHOIHOP_KEEP_TMP") != NULL)
        return;
    (void)nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    s->dir[0] = '\0';
}

long g_audit_entries_at_start = -1;

int srv_audit_verify(const struct server *s, long *entries)
{
    char *argv[] = {(char *)h_bin(), "audit", "verify", "--db", (char *)s->db, NULL};
    char out[8192];
    size_t used = 0;
    int fds[2], rc;
    pid_t pid;
    const char *p;

    *entries = -1;
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (dup2(fds[1], STDOUT_FILENO) < 0)
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    for (;;) {
        ssize_t n = read(fds[0], out + used, sizeof(out) - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        used += (size_t)n;
        if (used == sizeof(out) - 1)
            used = 0; /* keep the tail, where the summary is */
    }
    close(fds[0]);
    out[used] = '\0';
    fputs(out, stdout);
    rc = wait_child(pid, 120);
    /* "audit chain intact: 45 entries, head ..." */
    for (p = strstr(out, " entries"); p != NULL; p = strstr(p + 1, " entries")) {
        const char *d = p;
        while (d > out && d[-1] >= '0' && d[-1] <= '9')
            d--;
        if (d < p)
            *entries = strtol(d, NULL, 10);
    }
    return rc;
}

/* ---- HTTP ------------------------------------------------------------------------- */

struct growbuf {
    char *p;
    size_t n, cap;
};

static void gb_add(struct growbuf *b, const char *data, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap != 0 ? b->cap : 1024;
        while (cap < b->n + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (b->p == NULL)
            abort();
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    gb_add(arg, data, size * nmemb);
    return size * nmemb;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
    struct growbuf *b = arg;
    /* Keep only the final response's block (not "100 Continue"). */
    if (size * nmemb >= 5 && memcmp(data, "HTTP/", 5) == 0)
        b->n = 0;
    gb_add(b, data, size * nmemb);
    return size * nmemb;
}

struct resp *api_raw(const char *method, const char *path, const char *token, const char *body,
                     size_t len, const char *ctype, const char *extra_header)
{
    struct resp *r = calloc(1, sizeof(*r));
    struct growbuf hb = {0}, bb = {0};
    struct curl_slist *hl = NULL;
    char *url = NULL, *auth = NULL, *ct = NULL;
    CURL *c = curl_easy_init();
    CURLcode cc;

    if (r == NULL || c == NULL)
        abort();
    gc_keep(r, resp_free);
    snprintf(r->method, sizeof(r->method), "%s", method);
    r->path = strdup(path);
    if (asprintf(&url, "%s%s", g_srv->base, path) < 0)
        abort();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    }
    if (token != NULL) {
        if (asprintf(&auth, "Authorization: Bearer %s", token) < 0)
            abort();
        hl = curl_slist_append(hl, auth);
    }
    if (ctype != NULL) {
        if (asprintf(&ct, "Content-Type: %s", ctype) < 0)
            abort();
        hl = curl_slist_append(hl, ct);
    } else if (body != NULL) {
        hl = curl_slist_append(hl, "Content-Type:"); /* no curl default */
    }
    hl = curl_slist_append(hl, "Expect:");
    if (extra_header != NULL)
        hl = curl_slist_append(hl, extra_header);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &bb);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hb);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    cc = curl_easy_perform(c);
    if (cc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    } else {
        /* A server may answer and close while the body is still being sent (413):
         * keep the status when the answer's head was read before the error. */
        fprintf(stderr, "test_api: %s %s: %s\n", method, path, curl_easy_strerror(cc));
        r->status = 0;
        if (cc == CURLE_SEND_ERROR)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    }
    gb_add(&bb, "", 0);
    gb_add(&hb, "", 0);
    r->body = bb.p;
    r->len = bb.n;
    r->headers = hb.p;
    if (r->len > 0)
        r->json = json_loadb(r->body, r->len, 0, NULL);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    free(url);
    free(auth);
    free(ct);
    return r;
}

struct resp *api_req(const char *method, const char *path, const char *token, const char *body,
                     const char *ctype, const char *extra_header)
{
    return api_raw(method, path, token, body, body != NULL ? strlen(body) : 0, ctype, extra_header);
}

struct resp *api_json_h(const char *method, const char *path, const char *token, json_t *body,
                        const char *extra_header)
{
    struct resp *r;
    char *text = NULL;
    if (body != NULL) {
        text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        if (text == NULL)
            abort();
    }
    r = api_req(method, path, token, text, text != NULL ? "application/json" : NULL, extra_header);
    free(text);
    return r;
}

struct resp *api_json(const char *method, const char *path, const char *token, json_t *body)
{
    return api_json_h(method, path, token, body, NULL);
}

struct resp *api_get(const char *path, const char *token)
{
    return api_req("GET", path, token, NULL, NULL, NULL);
}

char *resp_header(const struct resp *r, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = r->headers;
    while (p != NULL && *p != '\0') {
        const char *eol = strstr(p, "\r\n");
        size_t llen = eol != NULL ? (size_t)(eol - p) : strlen(p);
        if (llen > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
            const char *v = p + nlen + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            return tfmt("%.*s", (int)(p + llen - v), v);
        }
        p = eol != NULL ? eol + 2 : NULL;
    }
    return NULL;
}

/* ---- assertions ------------------------------------------------------------------- */

static void show(const struct resp *r)
{
    print_error("  request: %s %s\n  got: %ld %.*s\n", r->method, r->path != NULL ? r->path : "?",
                r->status, (int)(r->len > 700 ? 700 : r->len), r->body != NULL ? r->body : "");
}

void expect_status_(const struct resp *r, long status, const char *file, int line)
{
    if (r->status != status) {
        print_error("expected status %ld\n", status);
        show(r);
        _fail(file, line);
    }
}

static void check_error(const struct resp *r, long status, const char *code, const char *f1,
                        const char *f2, const char *file, int line)
{
    json_t *err, *jcode, *jmsg, *jfield;
    if (r->status != status) {
        print_error("expected status %ld (%s%s%s)\n", status, code, f1 != NULL ? ", field " : "",
                    f1 != NULL ? f1 : "");
        show(r);
        _fail(file, line);
    }
    err = r->json != NULL ? json_object_get(r->json, "error") : NULL;
    if (!json_is_object(err)) {
        print_error("expected an {\"error\": {...}} body\n");
        show(r);
        _fail(file, line);
    }
    jcode = json_object_get(err, "code");
    jmsg = json_object_get(err, "message");
    jfield = json_object_get(err, "field");
    if (!json_is_string(jcode) || strcmp(json_string_value(jcode), code) != 0) {
        print_error("expected error.code \"%s\"\n", code);
        show(r);
        _fail(file, line);
    }
    if (!json_is_string(jmsg) || json_string_length(jmsg) == 0) {
        print_error("expected a non-empty error.message\n");
        show(r);
        _fail(file, line);
    }
    if (f1 != NULL) {
        const char *got = json_is_string(jfield) ? json_string_value(jfield) : NULL;
        if (got == NULL || (strcmp(got, f1) != 0 && (f2 == NULL || strcmp(got, f2) != 0))) {
            print_error("expected error.field \"%s\"%s%s%s\n", f1, f2 != NULL ? " or \"" : "",
                        f2 != NULL ? f2 : "", f2 != NULL ? "\"" : "");
            show(r);
            _fail(file, line);
        }
    }
}

void expect_error_(const struct resp *r, long status, const char *code, const char *field,
                   const char *file, int line)
{
    check_error(r, status, code, field, NULL, file, line);
}

void expect_error2_(const struct resp *r, long status, const char *code, const char *f1,
                    const char *f2, const char *file, int line)
{
    check_error(r, status, code, f1, f2, file, line);
}

const char *jstr_(const json_t *o, const char *key, const char *file, int line)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v)) {
        char *dump = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
        print_error("expected a string member \"%s\" in %s\n", key, dump != NULL ? dump : "(null)");
        free(dump);
        _fail(file, line);
    }
    return json_string_value(v);
}

int64_t jint_(const json_t *o, const char *key, const char *file, int line)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) {
        char *dump = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
        print_error("expected an integer member \"%s\" in %s\n", key,
                    dump != NULL ? dump : "(null)");
        free(dump);
        _fail(file, line);
    }
    return (int64_t)json_integer_value(v);
}

int json_has_id(const json_t *arr, int64_t id)
{
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it)
    {
        json_t *v = json_object_get(it, "id");
        if (json_is_integer(v) && json_integer_value(v) == id)
            return 1;
    }
    return 0;
}

json_t *items_of(const struct resp *r)
{
    json_t *items = r->json != NULL ? json_object_get(r->json, "items") : NULL;
    if (!json_is_array(items)) {
        print_error("expected a list response {\"items\": [...], \"next_cursor\": ...}\n");
        show(r);
        fail();
    }
    if (json_object_get(r->json, "next_cursor") == NULL) {
        print_error("list response without next_cursor\n");
        show(r);
        fail();
    }
    return items;
}

json_t *list_items(const char *path, const char *token)
{
    struct resp *r = api_get(path, token);
    EXPECT_STATUS(r, 200);
    return items_of(r);
}

size_t list_count(const char *path, const char *token)
{
    return json_array_size(list_items(path, token));
}

static void check_page(const struct resp *r, const int64_t *ids, size_t from, size_t count,
                       int more)
{
    json_t *items = items_of(r);
    json_t *next = json_object_get(r->json, "next_cursor");
    if (json_array_size(items) != count) {
        print_error("expected %zu items on this page\n", count);
        show(r);
        fail();
    }
    for (size_t i = 0; i < count; i++) {
        json_t *it = json_array_get(items, i);
        if (JINT(it, "id") != ids[from + i]) {
            print_error("item %zu: expected id %lld (items come in id order)\n", i,
                        (long long)ids[from + i]);
            show(r);
            fail();
        }
    }
    if (more ? !json_is_string(next) || json_string_length(next) == 0 : !json_is_null(next)) {
        print_error("expected next_cursor %s\n", more ? "to be a string" : "null at the end");
        show(r);
        fail();
    }
}

void check_paging(const char *query, const int64_t *ids, size_t n, const char *token)
{
    const char *cursor = NULL;
    size_t seen = 0;

    assert_true(n >= 3);
    while (seen < n) {
        struct resp *r =
            api_get(cursor != NULL ? tfmt("%s&limit=2&cursor=%s", query, urlenc(cursor))
                                   : tfmt("%s&limit=2", query),
                    token);
        size_t count = n - seen < 2 ? n - seen : 2;
        EXPECT_STATUS(r, 200);
        check_page(r, ids, seen, count, seen + count < n);
        seen += count;
        if (seen < n)
            cursor = json_string_value(json_object_get(r->json, "next_cursor"));
    }
    {
        struct resp *all = api_get(tfmt("%s&limit=%zu", query, n), token);
        struct resp *less = api_get(tfmt("%s&limit=%zu", query, n - 1), token);
        struct resp *dflt = api_get(query, token);
        struct resp *rest;
        EXPECT_STATUS(all, 200);
        check_page(all, ids, 0, n, 0); /* a page that is exactly full ends the list */
        EXPECT_STATUS(less, 200);
        check_page(less, ids, 0, n - 1, 1);
        rest = api_get(tfmt("%s&cursor=%s", query,
                            urlenc(json_string_value(json_object_get(less->json, "next_cursor")))),
                       token);
        EXPECT_STATUS(rest, 200);
        check_page(rest, ids, n - 1, 1, 0);
        EXPECT_STATUS(dflt, 200);
        check_page(dflt, ids, 0, n, 0);
    }
}

void expect_ids_(const char *path, const char *token, const int64_t *ids, size_t n,
                 const char *file, int line)
{
    struct resp *r = api_get(path, token);
    json_t *items;
    int ok;
    expect_status_(r, 200, file, line);
    items = items_of(r);
    ok = json_array_size(items) == n;
    for (size_t i = 0; ok && i < n; i++)
        ok = json_has_id(items, ids[i]);
    if (!ok) {
        print_error("expected exactly the ids");
        for (size_t i = 0; i < n; i++)
            print_error(" %lld", (long long)ids[i]);
        print_error("\n");
        show(r);
        _fail(file, line);
    }
}

void expect_location_(const struct resp *r, const char *path, const char *file, int line)
{
    char *loc = resp_header(r, "Location");
    size_t plen = strlen(path);
    if (loc == NULL || strlen(loc) < plen || strcmp(loc + strlen(loc) - plen, path) != 0) {
        print_error("expected a Location header ending in %s, got %s\n", path,
                    loc != NULL ? loc : "none");
        show(r);
        _fail(file, line);
    }
}

void expect_bad_member_(const char *collection, const char *token, json_t *body,
                        const struct bad_member *c, size_t case_no, const char *file, int line)
{
    struct resp *r;
    if (c->value == NULL) {
        json_object_del(body, c->member);
    } else {
        json_t *v = json_loads(c->value, JSON_DECODE_ANY, NULL);
        if (v == NULL) {
            print_error("case %zu: the test's JSON does not parse: %s\n", case_no, c->value);
            json_decref(body);
            _fail(file, line);
        }
        json_object_set_new(body, c->member, v);
    }
    r = api_json("POST", collection, token, body);
    if (r->status != 422)
        print_error("case %zu: %s = %s\n", case_no, c->member,
                    c->value != NULL ? c->value : "(absent)");
    check_error(r, 422, "invalid", c->field, c->field2, file, line);
}

void check_list_params(const char *collection, const char *token)
{
    static const char *const out_of_range[] = {"0", "501", "-1"};
    static const char *const bad_cursors[] = {"zzz", "c", "c!!", "c-5", "%00"};
    EXPECT_ERROR(api_get(tfmt("%s?limit=abc", collection), token), 400, "malformed", "limit");
    EXPECT_ERROR(api_get(tfmt("%s?limit=10x", collection), token), 400, "malformed", "limit");
    for (size_t i = 0; i < PH_NELEM(out_of_range); i++) {
        struct resp *r = api_get(tfmt("%s?limit=%s", collection, out_of_range[i]), token);
        if (r->status == 422)
            EXPECT_ERROR(r, 422, "invalid", "limit");
        else
            EXPECT_ERROR(r, 400, "malformed", "limit");
    }
    EXPECT_STATUS(api_get(tfmt("%s?limit=500", collection), token), 200);
    EXPECT_STATUS(api_get(tfmt("%s?limit=1", collection), token), 200);
    /* Last: "%00" is a NUL byte in the parameter, which must not shorten it. */
    for (size_t i = 0; i < PH_NELEM(bad_cursors); i++)
        EXPECT_ERROR(api_get(tfmt("%s?cursor=%s", collection, bad_cursors[i]), token), 400,
                     "malformed", "cursor");
}

/* ---- making records ---------------------------------------------------------------- */

json_t *geo_square(double lon, double lat, double h)
{
    return json_pack("{s:s, s:[[[f,f],[f,f],[f,f],[f,f],[f,f]]]}", "type", "Polygon", "coordinates",
                     lon - h, lat - h, lon + h, lat - h, lon + h, lat + h, lon - h, lat + h,
                     lon - h, lat - h);
}

int64_t mk_area(const char *token, const char *code, const char *name, const char *level,
                const char *kind, int64_t parent_id, json_t *geometry)
{
    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:s}", "code", code, "name", name, "level", level,
                          "kind", kind, "valid_from", "2020-01-01");
    struct resp *r;
    if (parent_id != 0)
        json_object_set_new(b, "parent_id", json_integer(parent_id));
    if (geometry != NULL)
        json_object_set_new(b, "geometry", geometry);
    r = api_json("POST", "/api/v1/areas", token, b);
    EXPECT_STATUS(r, 201);
    return JINT(r->json, "id");
}

int64_t mk_unit(const char *token, const char *code, const char *name, const char *force,
                const char *level, int64_t parent_id, int64_t area_id)
{
    json_t *b = json_pack("{s:s, s:s, s:s, s:s}", "code", code, "name", name, "force", force,
                          "level", level);
    struct resp *r;
    if (parent_id != 0)
        json_object_set_new(b, "parent_id", json_integer(parent_id));
    if (area_id != 0)
        json_object_set_new(b, "area_ids", json_pack("[I]", (json_int_t)area_id));
    r = api_json("POST", "/api/v1/units", token, b);
    EXPECT_STATUS(r, 201);
    return JINT(r->json, "id");
}

int64_t mk_person(const char *token, int64_t unit_id, const char *role, const char *clearance,
                  char **username)
{
    char *w = uniq_word();
    char *user = tfmt("cb.%s", w);
    char *full = tfmt("Nguyễn Văn %c%s", w[0] - 'a' + 'A', w + 1);
    json_t *b = json_pack("{s:s, s:s, s:[s], s:s, s:s}", "username", user, "full_name", full,
                          "roles", role, "clearance", clearance, "password", H_PASSWORD);
    struct resp *r;
    if (unit_id != 0)
        json_object_set_new(b, "unit_id", json_integer(unit_id));
    r = api_json("POST", "/api/v1/people", token, b);
    EXPECT_STATUS(r, 201);
    if (username != NULL)
        *username = user;
    return JINT(r->json, "id");
}

char *login_ok(const char *username, const char *password)
{
    struct resp *r = api_json("POST", "/api/v1/auth/login", NULL,
                              json_pack("{s:s, s:s}", "username", username, "password", password));
    const char *tok;
    EXPECT_STATUS(r, 200);
    tok = JSTR(r->json, "token");
    assert_true(strncmp(tok, "ph_", 3) == 0);
    return tfmt("%s", tok);
}

/* ---- the world ------------------------------------------------------------------- */

static char *keep(const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        abort();
    return d;
}

static int64_t world_person(struct world *w, int64_t unit, const char *role, const char *clearance,
                            char **token)
{
    char *user = NULL;
    int64_t id = mk_person(w->admin, unit, role, clearance, &user);
    *token = keep(login_ok(user, H_PASSWORD));
    return id;
}

void world_build(int full)
{
    struct world *w = &g_srv->w;
    struct resp *r;
    char *x;

    if (w->built >= (full ? 2 : 1))
        return;
    if (w->built == 0) {
        r = api_json(
            "POST", "/api/v1/auth/login", NULL,
            json_pack("{s:s, s:s}", "username", h_admin_user(), "password", H_ADMIN_PASSWORD));
        EXPECT_STATUS(r, 200);
        w->admin = keep(JSTR(r->json, "token"));
        w->admin_id = JINT(json_object_get(r->json, "user"), "id");

        x = uniq_word();
        w->a_prov = mk_area(w->admin, uniq_num(), tfmt("Tỉnh Bến Tre %s", x), "province", "coastal",
                            0, NULL);
        w->a_dist = mk_area(w->admin, uniq_num(), tfmt("Huyện Bình Đại %s", x), "district",
                            "coastal", w->a_prov, NULL);
        w->a_comm = mk_area(w->admin, uniq_num(), tfmt("Xã Bình Thắng %s", x), "commune", "coastal",
                            w->a_dist, geo_square(106.7, 10.2, 0.05));
        w->u_pp = mk_unit(w->admin, tfmt("CA-T-%s", x), tfmt("Công an tỉnh %s", x), "police",
                          "province", 0, w->a_prov);
        w->u_pd = mk_unit(w->admin, tfmt("CA-H-%s", x), tfmt("Công an huyện %s", x), "police",
                          "district", w->u_pp, w->a_dist);
        w->u_pc = mk_unit(w->admin, tfmt("CA-X-%s", x), tfmt("Công an xã %s", x), "police",
                          "commune", w->u_pd, w->a_comm);
        w->u_mp = mk_unit(w->admin, tfmt("QS-T-%s", x), tfmt("Bộ Chỉ huy Quân sự tỉnh %s", x),
                          "military", "province", 0, w->a_prov);
        w->u_bp =
            mk_unit(w->admin, tfmt("BP-T-%s", x), tfmt("Bộ Chỉ huy Bộ đội Biên phòng tỉnh %s", x),
                    "border_guard", "province", 0, w->a_prov);
        w->built = 1;
    }
    if (full) {
        w->p_viewer = world_person(w, w->u_pd, "viewer", "unclassified", &w->t_viewer);
        w->p_reporter = world_person(w, w->u_pd, "reporter", "confidential", &w->t_reporter);
        w->p_duty = world_person(w, w->u_pd, "duty_officer", "confidential", &w->t_duty);
        w->p_commander = world_person(w, w->u_pd, "commander", "secret", &w->t_commander);
        w->p_coordinator = world_person(w, w->u_pd, "coordinator", "secret", &w->t_coordinator);
        w->p_adm_pd = world_person(w, w->u_pd, "admin", "secret", &w->t_adm_pd);
        w->p_adm_pp = world_person(w, w->u_pp, "admin", "top_secret", &w->t_adm_pp);
        w->p_adm_mp = world_person(w, w->u_mp, "admin", "secret", &w->t_adm_mp);
        w->p_mil_viewer = world_person(w, w->u_mp, "viewer", "unclassified", &w->t_mil_viewer);
        w->built = 2;
    }
}

void world_release(struct world *w)
{
    char **toks[] = {&w->admin,       &w->t_viewer,      &w->t_reporter, &w->t_duty,
                     &w->t_commander, &w->t_coordinator, &w->t_adm_pd,   &w->t_adm_pp,
                     &w->t_adm_mp,    &w->t_mil_viewer};
    for (size_t i = 0; i < PH_NELEM(toks); i++) {
        free(*toks[i]);
        *toks[i] = NULL;
    }
    w->built = 0;
}

/* ---- fixtures ---------------------------------------------------------------------- */

int h_group_setup(void **state)
{
    (void)state;
    g_srv = &g_main_srv;
    if (g_main_srv.pid <= 0)
        return -1;
    world_build(1);
    world_build(2);
    return 0;
}

static struct server fresh_srv;

int h_fresh_setup(void **state)
{
    (void)state;
    if (fresh_srv.pid > 0) { /* a previous setup failed half-way */
        (void)srv_stop(&fresh_srv);
        world_release(&fresh_srv.w);
        srv_cleanup(&fresh_srv);
    }
    if (srv_start(&fresh_srv) != 0) {
        srv_cleanup(&fresh_srv);
        return -1;
    }
    g_srv = &fresh_srv;
    world_build(0);
    return 0;
}

int h_fresh_teardown(void **state)
{
    int rc;
    (void)state;
    g_srv = &g_main_srv;
    h_gc(NULL);
    rc = srv_stop(&fresh_srv);
    world_release(&fresh_srv.w);
    srv_cleanup(&fresh_srv);
    if (rc != 0) {
        print_error("fresh server exited with %d after SIGTERM (want 0: a clean shutdown)\n", rc);
        return -1;
    }
    return 0;
}
