/* cot_metrics.c - the CoT listener's counters as Prometheus text (phoihop_cot_*).
 *
 * Counters are atomics bumped on the listener's thread (cot_count) and read by
 * whichever HTTP loop serves /metrics; relaxed order is enough for counts. The
 * table below names each one: counters of one metric are adjacent, so that HELP
 * and TYPE are printed once per name. */
#include "util/base.h"
#include <inttypes.h>
#include "net/cot_int.h"
#include "net/cot_server.h"

static const struct {
    const char *name, *labels, *help;
} counter_info[COT_C_N] = {
    [COT_C_CONN_TCP] = {"phoihop_cot_connections_total", "transport=\"tcp\"",
                        "CoT connections accepted."},
    [COT_C_CONN_TLS] = {"phoihop_cot_connections_total", "transport=\"tls\"", NULL},
    [COT_C_DATAGRAMS] = {"phoihop_cot_udp_datagrams_total", NULL, "CoT UDP datagrams received."},
    [COT_C_EV_PLI] = {"phoihop_cot_events_total", "class=\"pli\"", "CoT events parsed, by class."},
    [COT_C_EV_MARKER] = {"phoihop_cot_events_total", "class=\"marker\"", NULL},
    [COT_C_EV_CHAT] = {"phoihop_cot_events_total", "class=\"chat\"", NULL},
    [COT_C_EV_EMERGENCY] = {"phoihop_cot_events_total", "class=\"emergency\"", NULL},
    [COT_C_EV_PING] = {"phoihop_cot_events_total", "class=\"ping\"", NULL},
    [COT_C_EV_OTHER] = {"phoihop_cot_events_total", "class=\"other\"", NULL},
    [COT_C_PARSE_ERRORS] =
        {"phoihop_cot_parse_errors_total", NULL,
         "CoT events refused as malformed or hostile (entities, DOCTYPE, depth, size)."},
    [COT_C_POS_STORED] = {"phoihop_cot_positions_total", "result=\"stored\"",
                          "Position reports from CoT, by what became of them."},
    [COT_C_POS_UNKNOWN] = {"phoihop_cot_positions_total", "result=\"unknown_device\"", NULL},
    [COT_C_POS_FORBIDDEN] = {"phoihop_cot_positions_total", "result=\"forbidden\"", NULL},
    [COT_C_POS_INVALID] = {"phoihop_cot_positions_total", "result=\"invalid\"", NULL},
    [COT_C_POS_FAILED] = {"phoihop_cot_positions_total", "result=\"failed\"", NULL},
    [COT_C_MSG_STORED] = {"phoihop_cot_writes_total", "kind=\"chat\",result=\"stored\"",
                          "Chat messages and incident drafts from CoT, by result."},
    [COT_C_MSG_REFUSED] = {"phoihop_cot_writes_total", "kind=\"chat\",result=\"refused\"", NULL},
    [COT_C_DRAFT_STORED] = {"phoihop_cot_writes_total", "kind=\"draft\",result=\"stored\"", NULL},
    [COT_C_DRAFT_REFUSED] = {"phoihop_cot_writes_total", "kind=\"draft\",result=\"refused\"", NULL},
    [COT_C_DROP_RATE] = {"phoihop_cot_dropped_total", "reason=\"rate\"",
                         "CoT events dropped unread, by reason."},
    [COT_C_DROP_UDP_RATE] = {"phoihop_cot_dropped_total", "reason=\"udp_rate\"", NULL},
    [COT_C_DROP_UDP_TOO_BIG] = {"phoihop_cot_dropped_total", "reason=\"udp_too_big\"", NULL},
    [COT_C_DROP_BACKPRESSURE] = {"phoihop_cot_dropped_total", "reason=\"writer_busy\"", NULL},
    [COT_C_DROP_RELAY] = {"phoihop_cot_dropped_total", "reason=\"relay_backlog\"", NULL},
    [COT_C_CUT_IDLE] = {"phoihop_cot_cutoffs_total", "reason=\"idle\"",
                        "CoT connections cut off, by reason."},
    [COT_C_CUT_RATE] = {"phoihop_cot_cutoffs_total", "reason=\"rate\"", NULL},
    [COT_C_CUT_FLOOD] = {"phoihop_cot_cutoffs_total", "reason=\"flood\"", NULL},
    [COT_C_CUT_SLOW] = {"phoihop_cot_cutoffs_total", "reason=\"slow_reader\"", NULL},
    [COT_C_CUT_TOO_BIG] = {"phoihop_cot_cutoffs_total", "reason=\"too_big\"", NULL},
    [COT_C_CUT_GARBAGE] = {"phoihop_cot_cutoffs_total", "reason=\"garbage\"", NULL},
    [COT_C_CUT_PARSE] = {"phoihop_cot_cutoffs_total", "reason=\"parse_errors\"", NULL},
    [COT_C_CUT_REVOKED] = {"phoihop_cot_cutoffs_total", "reason=\"revoked\"", NULL},
    [COT_C_REFUSED_MAX] = {"phoihop_cot_refused_total", "reason=\"max_clients\"",
                           "CoT connections refused, by reason."},
    [COT_C_REFUSED_TLS] = {"phoihop_cot_refused_total", "reason=\"tls_handshake\"", NULL},
    [COT_C_REFUSED_IDENTITY] = {"phoihop_cot_refused_total", "reason=\"tls_identity\"", NULL},
    [COT_C_SENT] = {"phoihop_cot_sent_events_total", NULL, "CoT events queued to clients."},
    [COT_C_FIXES_IN] = {"phoihop_cot_relay_fixes_total", NULL,
                        "Committed positions the listener got to relay."},
};

const char *cot_metrics_labels(enum cot_counter c)
{
    return (size_t)c < PH_NELEM(counter_info) ? counter_info[c].labels : NULL;
}

/* The gauges: connections open now, and those that are a person. */
static ph_err put_gauges(struct cot_server *s, struct buf *out)
{
    return buf_printf(
        out,
        "# HELP phoihop_cot_clients CoT connections open.\n"
        "# TYPE phoihop_cot_clients gauge\n"
        "phoihop_cot_clients{transport=\"tcp\"} %d\nphoihop_cot_clients{transport=\"tls\"} %d\n"
        "# HELP phoihop_cot_identified_clients CoT connections that are a person (receive).\n"
        "# TYPE phoihop_cot_identified_clients gauge\nphoihop_cot_identified_clients %d\n",
        atomic_load(&s->clients[0]), atomic_load(&s->clients[1]), atomic_load(&s->n_identified));
}

ph_err cot_server_metrics(struct cot_server *s, struct buf *out)
{
    const char *prev = NULL;
    ph_err rc;

    if (s == NULL)
        return PH_OK;
    rc = put_gauges(s, out);
    for (size_t i = 0; i < COT_C_N && rc == PH_OK; i++) {
        const char *name = counter_info[i].name;
        uint64_t v = atomic_load_explicit(&s->counters[i], memory_order_relaxed);
        if (prev == NULL || strcmp(prev, name) != 0) {
            const char *help = counter_info[i].help;
            rc = buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", name,
                            help != NULL ? help : "", name);
            prev = name;
        }
        if (rc != PH_OK)
            break;
        if (counter_info[i].labels != NULL)
            rc = buf_printf(out, "%s{%s} %" PRIu64 "\n", name, counter_info[i].labels, v);
        else
            rc = buf_printf(out, "%s %" PRIu64 "\n", name, v);
    }
    return rc;
}
