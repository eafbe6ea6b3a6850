#ifndef DOGPILE_CLIBMEMCACHED_SHIM_H
#define DOGPILE_CLIBMEMCACHED_SHIM_H

#include <libmemcached-1.0/memcached.h>

#endif
