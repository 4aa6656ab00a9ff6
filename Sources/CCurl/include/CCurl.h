#ifndef CHALK_CCURL_H
#define CHALK_CCURL_H
#include <curl/curl.h>
/// curl_easy_setopt/getinfo are C variadics that Swift can't call: one typed wrapper each.
CURLcode chalk_curl_setopt_long(CURL *h, CURLoption opt, long v);
CURLcode chalk_curl_setopt_string(CURL *h, CURLoption opt, const char *v);
CURLcode chalk_curl_setopt_pointer(CURL *h, CURLoption opt, void *v);
CURLcode chalk_curl_setopt_offt(CURL *h, CURLoption opt, curl_off_t v);
typedef size_t (*chalk_curl_write_cb)(char *, size_t, size_t, void *);
CURLcode chalk_curl_setopt_writefunction(CURL *h, chalk_curl_write_cb cb);
CURLcode chalk_curl_getinfo_long(CURL *h, CURLINFO info, long *out);
CURLcode chalk_curl_getinfo_string(CURL *h, CURLINFO info, const char **out);
curl_version_info_data *chalk_curl_version_info(void);
#endif
