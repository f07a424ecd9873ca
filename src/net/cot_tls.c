/* cot_tls.c - TLS for CoT connections: OpenSSL over memory BIOs, and the client
 * certificate's name, which is the connection's person (cot_ident.c).
 *
 * Why memory BIOs and not h2o_socket_ssl_handshake: h2o 2.2.5 does not expose
 * the SSL object of a socket, so the peer certificate could not be read. h2o
 * still does the socket I/O; OpenSSL only turns bytes into bytes: what arrives
 * goes into rbio, what OpenSSL writes (records, alerts) is drained from wbio into
 * the connection's output queue (cot_conn.c).
 *
 * Handshake: the context demands a client certificate our CA signed
 * (SSL_VERIFY_FAIL_IF_NO_PEER_CERT), TLS 1.2 or later, no renegotiation, no
 * compression. A handshake must finish within COT_TLS_HANDSHAKE_MS (or the idle
 * timeout if shorter) however many bytes trickle in: otherwise a client sending
 * a byte now and then would hold a connection slot without ever identifying.
 *
 * The name: the certificate's subject must hold exactly one CN; it is converted
 * to UTF-8 and refused when it holds a NUL (a CN "alice\0..." must not read as
 * "alice") or does not fit. Several CNs are refused too: which one would be the
 * person is a matter of convention between CA and server, so none is. */
#include "util/base.h"
#include <openssl/err.h>
#include <openssl/x509.h>
#include "net/cot_int.h"
#include "core/person.h"
#include "util/log.h"

/* ---- the context ----------------------------------------------------------------------- */

static void log_ssl_error(void)
{
    unsigned long e = ERR_get_error();
    if (e != 0) {
        char msg[256];
        ERR_error_string_n(e, msg, sizeof(msg));
        log_error("cot: tls: %s", msg);
    }
}

ph_err cot_tls_ctx_new(const struct cot_config *cfg, SSL_CTX **out)
{
    SSL_CTX *ctx = NULL;
    STACK_OF(X509_NAME) *cas = NULL;
    ph_err rc = PH_EINVAL;

    if (cfg->tls_cert == NULL || cfg->tls_key == NULL || cfg->tls_ca == NULL) {
        log_error("cot: --cot-tls-listen needs --cot-tls-cert, --cot-tls-key and --cot-tls-ca");
        goto out;
    }
    rc = PH_EIO;
    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
        goto out;
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
        log_error("cot: cannot use the certificate %s", cfg->tls_cert);
        goto out;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        log_error("cot: cannot use the key %s with %s", cfg->tls_key, cfg->tls_cert);
        goto out;
    }
    if (SSL_CTX_load_verify_locations(ctx, cfg->tls_ca, NULL) != 1 ||
        (cas = SSL_load_client_CA_file(cfg->tls_ca)) == NULL) {
        log_error("cot: cannot load the client CA %s", cfg->tls_ca);
        goto out;
    }
    SSL_CTX_set_client_CA_list(ctx, cas); /* takes cas */
    /* No certificate, or one our CA did not sign: no handshake. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    *out = ctx;
    ctx = NULL;
    rc = PH_OK;
out:
    if (rc != PH_OK)
        log_ssl_error();
    SSL_CTX_free(ctx);
    return rc;
}

/* ---- a connection ------------------------------------------------------------------------ */

bool cot_tls_conn_init(struct cot_conn *c)
{
    c->ssl = SSL_new(c->s->ssl_ctx);
    c->rbio = BIO_new(BIO_s_mem());
    c->wbio = BIO_new(BIO_s_mem());
    if (c->ssl == NULL || c->rbio == NULL || c->wbio == NULL) {
        BIO_free(c->rbio);
        BIO_free(c->wbio);
        c->rbio = c->wbio = NULL;
        return false;
    }
    SSL_set_bio(c->ssl, c->rbio, c->wbio);
    SSL_set_accept_state(c->ssl);
    c->handshake_entry.cb = cot_tls_on_handshake_timeout;
    h2o_timeout_link(c->s->loop, &c->s->handshake_to, &c->handshake_entry);
    return true;
}

/* Move what OpenSSL wrote (records, alerts) to the output queue. */
static void drain(struct cot_conn *c)
{
    size_t pending;
    while (c->wbio != NULL && (pending = BIO_ctrl_pending(c->wbio)) > 0) {
        struct cot_blob *b = xmalloc(sizeof(*b) + pending);
        int n = BIO_read(c->wbio, b->data, (int)pending);
        if (n <= 0) {
            free(b);
            break;
        }
        b->refs = 1;
        b->len = (size_t)n;
        cot_conn_queue(c, b);
    }
}

bool cot_tls_write(struct cot_conn *c, const char *data, size_t len)
{
    /* Memory BIOs: SSL_write takes it all at once (len <= COT_RENDER_MAX_BYTES). */
    if (SSL_write(c->ssl, data, (int)len) <= 0)
        return false;
    drain(c);
    return true;
}

/* Refuse c: log why, let the alert go out, then close. */
static void refuse(struct cot_conn *c, enum cot_counter reason, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char msg[256];
    ERR_error_string_n(e, msg, sizeof(msg));
    log_info("cot: tls %s refused: %s%s%s", c->peer, what, e != 0 ? ": " : "", e != 0 ? msg : "");
    ERR_clear_error();
    cot_count(c->s, reason, 1);
    if (h2o_timeout_is_linked(&c->handshake_entry)) /* counted once */
        h2o_timeout_unlink(&c->handshake_entry);
    drain(c);
    h2o_socket_read_stop(c->sock);
    c->close_after_flush = true;
    cot_conn_flush(c);
}

void cot_tls_on_handshake_timeout(h2o_timeout_entry_t *entry)
{
    struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, handshake_entry, entry);

    log_info("cot: tls %s refused: handshake not finished in time", c->peer);
    cot_count(c->s, COT_C_REFUSED_TLS, 1);
    cot_conn_close(c, -1);
}

/* ---- the client certificate ---------------------------------------------------------------- */

bool cot_tls_cert_username(X509 *cert, char *out, size_t size)
{
    X509_NAME *name = X509_get_subject_name(cert);
    unsigned char *utf8 = NULL;
    int at, n;
    bool ok = false;

    at = name != NULL ? X509_NAME_get_index_by_NID(name, NID_commonName, -1) : -1;
    if (at < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, at) >= 0)
        return false; /* none, or several */
    n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)));
    if (n > 0 && (size_t)n < size && memchr(utf8, '\0', (size_t)n) == NULL) {
        memcpy(out, utf8, (size_t)n);
        out[n] = '\0';
        ok = true;
    }
    OPENSSL_free(utf8);
    return ok;
}

/* The person of c's verified certificate becomes c's identity. */
static bool identify(struct cot_conn *c)
{
    X509 *cert = SSL_get1_peer_certificate(c->ssl);
    char cn[256];
    bool ok = false;

    if (cert == NULL || SSL_get_verify_result(c->ssl) != X509_V_OK)
        goto out;
    if (!cot_tls_cert_username(cert, cn, sizeof(cn))) {
        log_warn("cot: tls %s: certificate without exactly one common name", c->peer);
        goto out;
    }
    ok = cot_ident_by_username(c, cn);
    if (!ok) /* cn is printed only when it is a well-formed name: no control bytes in the log */
        log_warn("cot: tls %s: certificate CN '%s' is no active account", c->peer,
                 person_username_valid(cn) ? cn : "(not a username)");
out:
    X509_free(cert);
    return ok;
}

/* ---- reading -----------------------------------------------------------------------------------
 */

/* Drive the handshake with what rbio holds; true once it is done and c is a person. */
static bool handshake(struct cot_conn *c)
{
    int r;

    ERR_clear_error();
    r = SSL_do_handshake(c->ssl);
    if (r != 1) {
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            drain(c);
            cot_conn_flush(c);
        } else {
            refuse(c, COT_C_REFUSED_TLS, "handshake failed");
        }
        return false;
    }
    c->handshake_done = true;
    if (h2o_timeout_is_linked(&c->handshake_entry))
        h2o_timeout_unlink(&c->handshake_entry);
    drain(c);
    if (!identify(c)) {
        refuse(c, COT_C_REFUSED_IDENTITY, "no account for the certificate");
        return false;
    }
    return true;
}

/* Frame the plaintext left from an earlier turn, then what OpenSSL holds. */
static void read_plaintext(struct cot_conn *c)
{
    char tmp[COT_TLS_READ_BYTES];

    while (!c->is_closed) {
        bool stopped = false;
        size_t used =
            cot_conn_frame_events(c, c->in.data != NULL ? c->in.data : "", c->in.len, &stopped);
        int n;
        if (c->is_closed)
            return;
        if (used > 0) {
            memmove(c->in.data, c->in.data + used, c->in.len - used);
            c->in.len -= used;
            c->in.data[c->in.len] = '\0';
        }
        if (stopped) {
            cot_conn_defer(c);
            break;
        }
        ERR_clear_error();
        n = SSL_read(c->ssl, tmp, sizeof(tmp));
        if (n <= 0) {
            int e = SSL_get_error(c->ssl, n);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                break;
            cot_conn_close(c, -1); /* close_notify or a broken record */
            return;
        }
        if (buf_append(&c->in, tmp, (size_t)n) != PH_OK) {
            cot_conn_close(c, COT_C_CUT_TOO_BIG);
            return;
        }
    }
}

void cot_tls_on_read(h2o_socket_t *sock, const char *err)
{
    struct cot_conn *c = sock->data;

    if (err != NULL) {
        cot_conn_close(c, -1);
        return;
    }
    cot_conn_touch(c);
    if (sock->input->size > 0) {
        if (BIO_write(c->rbio, sock->input->bytes, (int)sock->input->size) !=
            (int)sock->input->size) {
            cot_conn_close(c, -1);
            return;
        }
        h2o_buffer_consume(&sock->input, sock->input->size);
    }
    if (!c->handshake_done && !handshake(c))
        return;
    read_plaintext(c);
    if (!c->is_closed) {
        drain(c);
        cot_conn_flush(c);
    }
}
