/* err.c - names and HTTP statuses of ph_err values. */
#include "util/base.h"
#include "util/err.h"

static const struct {
    int status;
    const char *code;
    const char *text;
    const char *text_vi;
} table[] = {
    [PH_OK] = {200, "ok", "ok", "thành công"},
    [PH_EPARSE] = {400, "malformed", "the request is malformed", "yêu cầu sai định dạng"},
    [PH_EAUTH] = {401, "unauthenticated", "authentication required or credentials wrong", "cần đăng nhập, hoặc thông tin đăng nhập không đúng"},
    [PH_EPERM] = {403, "forbidden", "not allowed", "không có quyền"},
    [PH_ENOTFOUND] = {404, "not_found", "no such object", "không tìm thấy"},
    [PH_ECONFLICT] = {409, "conflict", "conflicts with the current state", "xung đột với dữ liệu hiện có"},
    [PH_ETOOBIG] = {413, "too_large", "over the size limit", "vượt quá kích thước cho phép"},
    [PH_EINVAL] = {422, "invalid", "a field is invalid", "trường dữ liệu không hợp lệ"},
    [PH_EBUSY] = {429, "too_many_requests", "too many requests; retry later", "quá nhiều yêu cầu; thử lại sau"},
    [PH_EIO] = {500, "io_error", "input/output error", "lỗi vào/ra"},
    [PH_ESTORE] = {503, "store_unavailable", "the database is unavailable", "cơ sở dữ liệu không sẵn sàng"},
    [PH_ESCHEMA] = {503, "schema_too_new", "the database schema is newer than this program", "lược đồ cơ sở dữ liệu mới hơn chương trình"},
    [PH_ELOCKED] = {429, "account_locked", "account locked after repeated failed logins", "tài khoản bị khóa tạm thời do đăng nhập sai nhiều lần"},
    [PH_ESTALE] = {412, "stale", "the object changed since it was read", "bản ghi đã thay đổi kể từ khi đọc"},
};

int err_http_status(ph_err rc)
{
    return (unsigned)rc < PH_NELEM(table) ? table[rc].status : 500;
}

const char *err_code(ph_err rc)
{
    return (unsigned)rc < PH_NELEM(table) ? table[rc].code : "internal";
}

const char *err_str(ph_err rc)
{
    return (unsigned)rc < PH_NELEM(table) ? table[rc].text : "internal error";
}

const char *err_str_vi(ph_err rc)
{
    return (unsigned)rc < PH_NELEM(table) ? table[rc].text_vi : "lỗi nội bộ";
}
