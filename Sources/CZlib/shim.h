#ifndef NNZ_CZLIB_SHIM_H
#define NNZ_CZLIB_SHIM_H
#include <zlib.h>
#endif
