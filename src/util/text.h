/* text.h - UTF-8 text: validation, NFC normalisation, and the diacritic-, case- and
 * đ-insensitive folding that every search key in phoihop is made with. */
#ifndef PH_UTIL_TEXT_H
#define PH_UTIL_TEXT_H
#include <stdbool.h>
#include <stddef.h>
#include "util/err.h"
struct arena;

/* True when s[0..n) is valid UTF-8 with no NUL and no C0 control other than tab,
 * newline and carriage return. */
bool text_is_clean_utf8(const char *s, size_t n);
/* NFC form of s, living in arena a. PH_EPARSE when s is not valid UTF-8. */
ph_err text_nfc(struct arena *a, const char *s, char **out) __attribute__((warn_unused_result));
/* Search key of s in arena a: NFC, then decomposed, marks stripped, case-folded, đ/Đ
 * mapped to d, runs of white space collapsed to one space, trimmed. "Đặng Văn  Cường"
 * gives "dang van cuong". Invalid UTF-8 gives "". */
char *text_fold(struct arena *a, const char *s);
/* Trimmed copy of s in a (leading/trailing ASCII white space removed). */
char *text_trim(struct arena *a, const char *s);
#endif
