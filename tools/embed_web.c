/* embed_web.c - build-time helper: compiles the web application into a C file that
 * defines static_files[] (see src/http/static.h), served by `phoihop serve`.
 *
 * Usage: embed_web OUT.c INDEX.html ROOT...
 *
 * INDEX.html is served at "/"; every other regular file under each ROOT (walked in
 * sorted order, dot files, node_modules and package*.json skipped) is served at
 * "/assets/<version>/<path below ROOT>". <version> is the first 12 hex digits of a
 * SHA-256 over every path and content, so a new build has new asset URLs: browsers
 * keep assets forever (immutable) and revalidate only index.html, in which each
 * "{{ASSETS}}" becomes "/assets/<version>". ES modules import each other with
 * relative paths, so they follow the version without any rewriting.
 *
 * For each file: its Content-Type (from the extension; an unknown extension is an
 * error, so nothing is ever served with a guessed type), a strong ETag (SHA-256 of
 * the bytes, one per encoding), and gzip (zlib, level 9) and brotli (quality 11)
 * variants when they are smaller. Output is deterministic: gzip headers carry no
 * time or name. */
#include <brotli/encode.h>
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

struct file {
    char *url;  /* "/" or the path below the root, until the version is known */
    char *path; /* on disk */
    unsigned char *data;
    size_t len;
    const char *type;
    int compress;
};

static struct file *files;
static size_t n_files, cap_files;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "embed_web: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static void *xalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        die("out of memory", NULL);
    return p;
}

static char *join(const char *a, const char *sep, const char *b)
{
    size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
    char *s = xalloc(la + ls + lb + 1);
    memcpy(s, a, la);
    memcpy(s + la, sep, ls);
    memcpy(s + la + ls, b, lb + 1);
    return s;
}

static const struct {
    const char *ext;
    const char *type;
    int compress;
} types[] = {
    {".html", "text/html; charset=utf-8", 1},
    {".js", "text/javascript; charset=utf-8", 1},
    {".mjs", "text/javascript; charset=utf-8", 1},
    {".css", "text/css; charset=utf-8", 1},
    {".json", "application/json; charset=utf-8", 1},
    {".svg", "image/svg+xml", 1},
    {".txt", "text/plain; charset=utf-8", 1},
    {".webmanifest", "application/manifest+json", 1},
    {".png", "image/png", 0},
    {".jpg", "image/jpeg", 0},
    {".webp", "image/webp", 0},
    {".ico", "image/x-icon", 1},
    {".woff2", "font/woff2", 0},
};

static void classify(struct file *f)
{
    const char *dot = strrchr(f->path, '.');
    const char *slash = strrchr(f->path, '/');
    if (dot != NULL && (slash == NULL || dot > slash))
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strcmp(dot, types[i].ext) == 0) {
                f->type = types[i].type;
                f->compress = types[i].compress;
                return;
            }
    die("no Content-Type known for this file (add its extension to tools/embed_web.c)", f->path);
}

static void read_file(struct file *f)
{
    FILE *in = fopen(f->path, "rb");
    if (in == NULL)
        die(strerror(errno), f->path);
    size_t cap = 65536, len = 0;
    unsigned char *d = xalloc(cap);
    size_t n;
    while ((n = fread(d + len, 1, cap - len, in)) > 0) {
        len += n;
        if (len == cap) {
            cap *= 2;
            d = realloc(d, cap);
            if (d == NULL)
                die("out of memory", NULL);
        }
    }
    if (ferror(in))
        die("read error", f->path);
    fclose(in);
    f->data = d;
    f->len = len;
}

static void add(const char *url, const char *path)
{
    if (n_files == cap_files) {
        cap_files = cap_files ? 2 * cap_files : 64;
        files = realloc(files, cap_files * sizeof(*files));
        if (files == NULL)
            die("out of memory", NULL);
    }
    struct file *f = &files[n_files++];
    memset(f, 0, sizeof(*f));
    f->url = strdup(url);
    f->path = strdup(path);
    if (f->url == NULL || f->path == NULL)
        die("out of memory", NULL);
    classify(f);
    read_file(f);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int skipped(const char *name)
{
    return name[0] == '.' || strcmp(name, "node_modules") == 0 ||
           strcmp(name, "package.json") == 0 || strcmp(name, "package-lock.json") == 0;
}

/* Walk dir (on disk) whose files are served below prefix ("" at a root). */
static void walk(const char *dir, const char *prefix, const char *index_path)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        die(strerror(errno), dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (skipped(e->d_name))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            names = realloc(names, cap * sizeof(*names));
            if (names == NULL)
                die("out of memory", NULL);
        }
        names[n] = strdup(e->d_name);
        if (names[n++] == NULL)
            die("out of memory", NULL);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        char *path = join(dir, "/", names[i]);
        char *url = prefix[0] ? join(prefix, "/", names[i]) : join("", "", names[i]);
        struct stat st;
        if (stat(path, &st) != 0)
            die(strerror(errno), path);
        if (S_ISDIR(st.st_mode))
            walk(path, url, index_path);
        else if (S_ISREG(st.st_mode) && strcmp(path, index_path) != 0)
            add(url, path);
        free(path);
        free(url);
        free(names[i]);
    }
    free(names);
}

static void sha256(const unsigned char *d, size_t n, unsigned char out[32])
{
    unsigned int len = 32;
    if (EVP_Digest(d, n, out, &len, EVP_sha256(), NULL) != 1)
        die("SHA-256 failed", NULL);
}

static void hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

/* gzip (RFC 1952) at level 9; zlib writes a header with no name and mtime 0. */
static unsigned char *gzip(const unsigned char *d, size_t n, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        die("deflateInit2 failed", NULL);
    size_t cap = deflateBound(&z, (uLong)n) + 32;
    unsigned char *out = xalloc(cap);
    z.next_in = (unsigned char *)d;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        die("deflate failed", NULL);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

static unsigned char *brotli(const unsigned char *d, size_t n, int is_text, size_t *out_len)
{
    size_t cap = BrotliEncoderMaxCompressedSize(n);
    if (cap == 0)
        cap = n + 1024;
    unsigned char *out = xalloc(cap);
    *out_len = cap;
    if (!BrotliEncoderCompress(BROTLI_MAX_QUALITY, BROTLI_DEFAULT_WINDOW,
                               is_text ? BROTLI_MODE_TEXT : BROTLI_MODE_GENERIC, n, d, out_len,
                               out))
        die("brotli failed", NULL);
    return out;
}

/* Replace every "{{ASSETS}}" in f with base. */
static void substitute(struct file *f, const char *base)
{
    static const char mark[] = "{{ASSETS}}";
    size_t ml = sizeof(mark) - 1, bl = strlen(base);
    unsigned char *out = xalloc(f->len * (bl > ml ? bl / ml + 2 : 1) + 1);
    size_t o = 0;
    for (size_t i = 0; i < f->len;) {
        if (i + ml <= f->len && memcmp(f->data + i, mark, ml) == 0) {
            memcpy(out + o, base, bl);
            o += bl;
            i += ml;
        } else {
            out[o++] = f->data[i++];
        }
    }
    free(f->data);
    f->data = out;
    f->len = o;
}

static void emit_bytes(FILE *out, const char *name, const unsigned char *d, size_t n)
{
    fprintf(out, "static const unsigned char %s[%zu] = {", name, n + 1);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%u,", i % 24 == 0 ? "\n" : "", d[i]);
    fprintf(out, "0};\n");
}

static int by_url(const void *a, const void *b)
{
    return strcmp(((const struct file *)a)->url, ((const struct file *)b)->url);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: embed_web OUT.c INDEX.html ROOT...\n");
        return 2;
    }
    add("/", argv[2]);
    for (int i = 3; i < argc; i++)
        walk(argv[i], "", argv[2]);

    /* The version: every URL and content (index.html before substitution). */
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
        die("SHA-256 failed", NULL);
    for (size_t i = 0; i < n_files; i++) {
        EVP_DigestUpdate(md, files[i].url, strlen(files[i].url) + 1);
        EVP_DigestUpdate(md, files[i].data, files[i].len);
    }
    unsigned char digest[32];
    unsigned int dl = 32;
    if (EVP_DigestFinal_ex(md, digest, &dl) != 1)
        die("SHA-256 failed", NULL);
    EVP_MD_CTX_free(md);
    char version[13];
    hex(digest, 6, version);
    char *base = join("/assets/", "", version);
    substitute(&files[0], base);
    for (size_t i = 1; i < n_files; i++) {
        char *url = join(base, "/", files[i].url);
        free(files[i].url);
        files[i].url = url;
    }
    qsort(files, n_files, sizeof(*files), by_url);

    FILE *out = fopen(argv[1], "w");
    if (out == NULL)
        die(strerror(errno), argv[1]);
    fprintf(out, "/* generated by tools/embed_web.c; do not edit */\n"
                 "#include \"util/base.h\"\n#include \"http/static.h\"\n\n"
                 "const char static_version[] = \"%s\";\n\n",
            version);
    size_t total = 0, total_gz = 0, total_br = 0;
    for (size_t i = 0; i < n_files; i++) {
        struct file *f = &files[i];
        char name[32];
        snprintf(name, sizeof(name), "d%zu", i);
        emit_bytes(out, name, f->data, f->len);
        total += f->len;
        size_t gl = 0, bl = 0;
        unsigned char *g = f->compress ? gzip(f->data, f->len, &gl) : NULL;
        unsigned char *b = f->compress ? brotli(f->data, f->len, 1, &bl) : NULL;
        /* A variant pays only when it saves something worth a header. */
        if (g != NULL && gl + 64 < f->len) {
            snprintf(name, sizeof(name), "g%zu", i);
            emit_bytes(out, name, g, gl);
            total_gz += gl;
        } else {
            gl = 0;
            total_gz += f->len;
        }
        if (b != NULL && bl + 64 < f->len && (gl == 0 || bl < gl)) {
            snprintf(name, sizeof(name), "b%zu", i);
            emit_bytes(out, name, b, bl);
            total_br += bl;
        } else {
            bl = 0;
            total_br += gl ? gl : f->len;
        }
        free(g);
        free(b);
        f->compress = (gl ? 1 : 0) | (bl ? 2 : 0); /* which variants were written */
        fprintf(out, "#define g%zu_len %zu\n#define b%zu_len %zu\n", i, gl, i, bl);
    }
    fprintf(out, "\nconst struct static_file static_files[] = {\n");
    for (size_t i = 0; i < n_files; i++) {
        struct file *f = &files[i];
        unsigned char h[32];
        char etag[41];
        sha256(f->data, f->len, h);
        hex(h, 10, etag);
        fprintf(out, "    {\"%s\", %zu, \"%s\", d%zu, %zu, ", f->url, strlen(f->url), f->type, i,
                f->len);
        if (f->compress & 1)
            fprintf(out, "g%zu, g%zu_len, ", i, i);
        else
            fprintf(out, "NULL, 0, ");
        if (f->compress & 2)
            fprintf(out, "b%zu, b%zu_len, ", i, i);
        else
            fprintf(out, "NULL, 0, ");
        fprintf(out, "\"\\\"%s\\\"\", \"\\\"%s-gz\\\"\", \"\\\"%s-br\\\"\", %s},\n", etag, etag, etag,
                strcmp(f->url, "/") == 0 ? "false" : "true");
    }
    fprintf(out, "};\n\nconst size_t static_files_count = %zu;\n", n_files);
    if (fclose(out) != 0)
        die(strerror(errno), argv[1]);
    fprintf(stderr, "embed_web: %zu files, version %s: %zu bytes, %zu gzip, %zu brotli\n",
            n_files, version, total, total_gz, total_br);
    return 0;
}
