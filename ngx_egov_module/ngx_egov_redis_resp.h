
/*
 * Commands in RESP, Redis's protocol, as hiredis's redisFormatCommandArgv()
 * writes them, without its sprintf() per argument (a strict limit batch
 * has three arguments per request).  Plain C: no nginx types, so it can be
 * unit-tested against hiredis.
 */


#ifndef _NGX_EGOV_REDIS_RESP_H_INCLUDED_
#define _NGX_EGOV_REDIS_RESP_H_INCLUDED_


#include <stddef.h>


/*
 * "*argc\r\n" then "$len\r\narg\r\n" for each argument; *target is
 * malloc()ed (redisFreeCommand() or free() frees it).  Returns the length,
 * or -1 when out of memory or longer than an int.
 */
int ngx_egov_redis_resp_argv(char **target, int argc, const char **argv,
    const size_t *argvlen);


#endif /* _NGX_EGOV_REDIS_RESP_H_INCLUDED_ */
