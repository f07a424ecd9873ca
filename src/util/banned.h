/* banned.h - functions that are easy to misuse: unbounded copies, hidden static
 * state, silent conversion failures. Using one is a compile error; use the bounded or
 * reentrant alternative (snprintf, buf_*, strtol, gmtime_r, localtime_r). */
#ifndef PH_UTIL_BANNED_H
#define PH_UTIL_BANNED_H
#define PH_BANNED(f) sorry_##f##_is_banned
#undef strcpy
#define strcpy(a, b) PH_BANNED(strcpy)
#undef strcat
#define strcat(a, b) PH_BANNED(strcat)
#undef sprintf
#define sprintf(...) PH_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) PH_BANNED(vsprintf)
#undef strtok
#define strtok(a, b) PH_BANNED(strtok)
#undef atoi
#define atoi(a) PH_BANNED(atoi)
#undef gmtime
#define gmtime(t) PH_BANNED(gmtime)
#undef localtime
#define localtime(t) PH_BANNED(localtime)
#endif
